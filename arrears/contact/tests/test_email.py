"""Email through a real SMTP server (aiosmtpd), with RFC 8058 one-click unsubscribe."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from arrears.attempts.models import ContactAttempt
from arrears.audit.models import AuditEvent
from arrears.compliance.selectors import primary_debtor
from arrears.contact import messaging
from arrears.contact.messaging import email_unsubscribe, message_deliver, message_queue
from arrears.contact.models import CollectorTask, OutboundMessage
from arrears.core.errors import ArrearsError
from arrears.debtors.models import ConsentRecord, ContactPoint

pytestmark = pytest.mark.django_db


def test_an_email_arrives_with_its_headers_and_a_working_unsubscribe_link(
    smtp_server, at_now, make_account, email_template, system, client
):
    account = make_account(reference="ACC-77")
    message = message_queue(template=email_template, account=account, actor=system)

    sent = message_deliver(message_id=message.pk)

    assert sent.status == "sent" and sent.provider == "smtp"
    [received] = smtp_server.messages
    assert received["To"] == message.target == "jane1@example.com"
    assert received["Subject"] == "Your account ACC-77"
    assert (
        received["Message-ID"] == f"<{message.idempotency_key}@arrears.localhost>" == sent.provider_message_id
    )
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = received["List-Unsubscribe"].strip("<>")
    assert link.startswith("http://testserver/contact/unsubscribe/")
    text = received.get_body(("plain",)).get_content()
    assert "Your balance with First Bank is $1,000.00." in text and "from a debt collector" in text
    assert link in text
    assert f'href="{link}"' in received.get_body(("html",)).get_content()
    attempt = ContactAttempt.objects.get(pk=sent.attempt_id)
    assert (attempt.channel, attempt.direction, attempt.outcome) == ("email", "outbound", "delivered")
    assert attempt.decision_id == sent.decision_id and sent.decision.allowed
    assert list(attempt.accounts.all()) == [account]

    response = client.post(urlsplit(link).path, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    point = ContactPoint.objects.get(pk=message.contact_point_id)
    opt_out = ConsentRecord.objects.get(contact_point=point, channel="email", kind="opt_out")
    assert opt_out.granted and opt_out.source == "email:list-unsubscribe"
    confirmation = OutboundMessage.objects.get(purpose="optout_confirmation")
    assert message_deliver(message_id=confirmation.pk).status == "sent"
    assert len(smtp_server.messages) == 2
    assert "you are unsubscribed" in smtp_server.messages[1]["Subject"]
    assert "List-Unsubscribe" not in smtp_server.messages[1]


def test_unsubscribing_twice_sends_one_confirmation_and_blocks_later_email(
    smtp_server, at_now, make_account, email_template, system, client
):
    account = make_account()
    message = message_queue(template=email_template, account=account, actor=system)
    message_deliver(message_id=message.pk)
    token = urlsplit(messaging.unsubscribe_url(message.idempotency_key)).path.split("/")[-2]

    first = email_unsubscribe(token=token)
    again = email_unsubscribe(token=token)
    client.post(f"/contact/unsubscribe/{token}/")
    message_deliver(message_id=first.pk)
    later = message_queue(template=email_template, account=account, actor=system, release_when_allowed=False)
    blocked = message_deliver(message_id=later.pk)

    assert again is None
    assert OutboundMessage.objects.filter(purpose="optout_confirmation").count() == 1
    assert len(smtp_server.messages) == 2  # the reminder and one confirmation
    assert blocked.status == "cancelled"
    assert [r["code"] for r in blocked.held_reasons] == ["MEDIUM_OPT_OUT"]


def test_a_get_does_not_unsubscribe_and_a_forged_link_is_refused(
    smtp_server, at_now, make_account, email_template, system, client
):
    account = make_account()
    message = message_queue(template=email_template, account=account, actor=system)
    path = urlsplit(messaging.unsubscribe_url(message.idempotency_key)).path

    shown = client.get(path)
    forged = client.post(path.replace("/unsubscribe/", "/unsubscribe/x"))

    assert shown.status_code == 200 and b"Unsubscribe" in shown.content
    assert forged.status_code == 400
    assert not ConsentRecord.objects.filter(kind="opt_out").exists()
    with pytest.raises(ArrearsError) as caught:
        email_unsubscribe(token="not-a-token")
    assert caught.value.code == "CONTACT_UNSUBSCRIBE_LINK_INVALID"


def test_a_crash_between_send_and_record_never_sends_twice(
    smtp_server, at_now, make_account, email_template, system, monkeypatch
):
    account = make_account()
    message = message_queue(template=email_template, account=account, actor=system)
    real_record = messaging._record_sent

    def crash(**kwargs):
        raise SystemExit("worker killed after the SMTP server accepted the message")

    monkeypatch.setattr(messaging, "_record_sent", crash)
    with pytest.raises(SystemExit):
        message_deliver(message_id=message.pk)
    monkeypatch.setattr(messaging, "_record_sent", real_record)
    assert OutboundMessage.objects.get(pk=message.pk).status == "sending"

    too_soon = message_deliver(message_id=message.pk, now=at_now + timedelta(minutes=1))
    recovered = message_deliver(message_id=message.pk, now=at_now + timedelta(minutes=6))
    again = message_deliver(message_id=message.pk, now=at_now + timedelta(minutes=7))

    assert too_soon.status == "sending"  # maybe another worker is still on it
    assert len(smtp_server.messages) == 1
    assert recovered.status == again.status == "sent"
    assert recovered.delivery_uncertain
    assert CollectorTask.objects.filter(kind="delivery_uncertain", message=recovered).count() == 1
    assert ContactAttempt.objects.filter(debtor=primary_debtor(account), direction="outbound").count() == 1


def test_a_refused_recipient_bounces_and_marks_the_address_invalid(
    smtp_server, at_now, make_account, email_template, system
):
    account = make_account()
    debtor = primary_debtor(account)
    ContactPoint.objects.filter(debtor=debtor, kind="email").update(value="bounce-me@example.com")

    bounced = message_deliver(
        message_id=message_queue(template=email_template, account=account, actor=system).pk
    )

    assert bounced.status == "bounced"
    assert ContactPoint.objects.get(debtor=debtor, kind="email").status == "invalid"
    assert smtp_server.messages == []


def test_an_unreachable_server_is_retried_with_backoff_then_failed(
    at_now, make_account, email_template, system, settings
):
    from .conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    message = message_queue(template=email_template, account=make_account(), actor=system)
    when = at_now
    waits = []

    for _ in messaging.BACKOFF_SECONDS:
        result = message_deliver(message_id=message.pk, now=when)
        if result.next_attempt_at:
            waits.append((result.next_attempt_at - when).total_seconds())
            when = result.next_attempt_at

    assert waits == list(messaging.BACKOFF_SECONDS[:-1])
    assert result.status == "failed" and result.attempts == len(messaging.BACKOFF_SECONDS)
    assert "unavailable" in result.last_error
    assert AuditEvent.objects.filter(event="contact.message_failed").count() == len(messaging.BACKOFF_SECONDS)


def test_a_bounce_webhook_marks_the_message_and_address(
    smtp_server, at_now, make_account, email_template, system, client, settings
):
    settings.EMAIL_WEBHOOK_SECRET = "bounce-secret"
    account = make_account()
    sent = message_deliver(
        message_id=message_queue(template=email_template, account=account, actor=system).pk
    )
    payload = {"message_id": sent.provider_message_id, "type": "bounce", "reason": "550 user unknown"}

    refused = client.post("/contact/email/acme/bounce/", payload, content_type="application/json")
    accepted = client.post(
        "/contact/email/acme/bounce/", payload, content_type="application/json",
        headers={"Authorization": "Bearer bounce-secret"},
    )  # fmt: skip

    assert (refused.status_code, accepted.status_code) == (403, 204)
    sent.refresh_from_db()
    assert sent.status == "bounced"
    assert ContactPoint.objects.get(pk=sent.contact_point_id).status == "invalid"
    assert ContactAttempt.objects.get(pk=sent.attempt_id).outcome == "undeliverable"


def test_an_esp_plugs_in_through_anymail(settings, at_now, make_account, email_template, system):
    from django.core import mail

    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    settings.ANYMAIL = {}
    message = message_queue(template=email_template, account=make_account(), actor=system)

    sent = message_deliver(message_id=message.pk)

    [outgoing] = mail.outbox
    assert sent.status == "sent" and sent.provider == "anymail"
    assert sent.provider_message_id == str(outgoing.anymail_status.message_id)
    assert outgoing.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_email_url_picks_the_mailer():
    from arrears.settings import _mailer

    smtp = _mailer("smtp+tls://user%40x:p%2Fw@mail.example.com:587")
    esp = _mailer("anymail://postmark")

    assert smtp["OPTIONS"] == {
        "host": "mail.example.com", "port": 587, "username": "user@x", "password": "p/w",
        "use_tls": True, "use_ssl": False, "timeout": 30,
    }  # fmt: skip
    assert esp == {"BACKEND": "anymail.backends.postmark.EmailBackend"}


def test_what_was_sent_shows_on_the_timeline_and_in_the_evidence(
    smtp_server, at_now, make_account, email_template, system
):
    from arrears.reports.evidence import evidence_content
    from arrears.reports.timeline import account_timeline

    account = make_account(reference="ACC-78")
    message_deliver(message_id=message_queue(template=email_template, account=account, actor=system).pk)

    [item] = account_timeline(principal=system, account=account, groups=["messages"])
    [contact] = evidence_content(principal=system, account=account)["contacts"]

    assert item.kind == "email" and item.decision["allowed"]
    assert "Your account ACC-78" in item.extra["content"]
    assert "Your balance with First Bank is $1,000.00." in contact["detail"]
