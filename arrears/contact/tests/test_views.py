"""Template preview (login, tenancy, PDF) and Twilio's delivery reports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader
from twilio.request_validator import RequestValidator

from arrears.contact.messaging import message_deliver, message_queue, template_save
from arrears.tenancy.choices import Role

from .conftest import TWILIO_TOKEN

pytestmark = pytest.mark.django_db


def test_the_preview_needs_a_login(client, sms_template):
    response = client.get(reverse("contact:template_preview", args=[sms_template.pk]))

    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_preview_renders_demo_data_with_the_segment_count(client, make_user, org, sms_template):
    client.force_login(make_user(org, role=Role.COLLECTOR))

    response = client.get(reverse("contact:template_preview", args=[sms_template.pk]))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Acme Recovery: Maria, $1,310.62 is due on INV-2026-004817." in text
    assert "1 segment (GSM-7" in text


def test_another_organizations_template_is_not_found(client, make_user, other_org, org, sms_template):
    client.force_login(make_user(other_org, role=Role.ADMIN))

    response = client.get(reverse("contact:template_preview", args=[sms_template.pk]))

    assert response.status_code == 404


def test_a_letter_preview_is_a_pdf(client, make_user, org, letter_template):
    client.force_login(make_user(org, role=Role.COLLECTOR))

    response = client.get(reverse("contact:template_preview", args=[letter_template.pk]), {"format": "pdf"})

    assert response["Content-Type"] == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert "Dear Maria Gonzalez-Whitfield," in text and "The amount due is $1,310.62." in text


def test_a_voicemail_script_saves_when_limited(org, system):
    script = template_save(
        organization=org,
        key="vm",
        channel="voicemail",
        body="Hi {{ debtor.first_name }}, this is {{ caller_name }}. Please call {{ callback_number }}.",
        actor=system,
    )

    assert script.version == 1


def test_a_signed_delivery_report_marks_the_text_delivered(
    twilio, at_now, client, make_account, sms_template, sms_consented, system
):
    account = make_account()
    sms_consented(account)
    sent = message_deliver(message_id=message_queue(template=sms_template, account=account, actor=system).pk)
    url = f"/contact/twilio/acme/status/?key={sent.idempotency_key}"
    params = {"MessageSid": sent.provider_message_id, "MessageStatus": "delivered"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"http://testserver{url}", params)

    forged = client.post(url, params, headers={"X-Twilio-Signature": "x"})
    response = client.post(url, params, headers={"X-Twilio-Signature": signature})

    assert (forged.status_code, response.status_code) == (403, 204)
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.delivered_at is not None


@pytest.mark.parametrize(
    "params",
    [
        pytest.param(
            {"MessageSid": "S" * 201, "From": "+12125550001", "Body": "hi"}, id="sid-longer-than-its-column"
        ),
        pytest.param(
            {"MessageSid": "SM1", "From": "1" * 321, "Body": "hi"}, id="sender-longer-than-its-column"
        ),
        pytest.param({"MessageSid": "", "From": "+12125550001", "Body": "hi"}, id="no-sid"),
    ],
)
def test_a_signed_inbound_text_with_bad_parameters_is_a_400(client, org, settings, params):
    from arrears.contact.models import InboundMessage

    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    url = "/contact/twilio/acme/inbound/"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"http://testserver{url}", params)

    response = client.post(url, params, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 400 and response.json()["code"] == "CONTACT_BAD_PAYLOAD"
    assert not InboundMessage.objects.exists()


def test_a_signed_status_report_with_a_key_longer_than_any_is_a_400(client, org, settings):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    url = f"/contact/twilio/acme/status/?key={'k' * 65}"
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"http://testserver{url}", params)

    response = client.post(url, params, headers={"X-Twilio-Signature": signature})

    assert response.status_code == 400
