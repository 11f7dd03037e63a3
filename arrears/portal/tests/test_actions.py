"""What a verified debtor does in the portal, each through the workbench's own services: promise, plan
(within the organization's limits), dispute with an upload (the hold shows in the workbench at once),
opt out of SMS (the gate blocks the next text), preferences, and card payments through the provider
stand-in. Every one leaves an audit event naming the debtor."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from arrears.audit.models import AuditEvent
from arrears.compliance.models import Hold
from arrears.compliance.services import decide
from arrears.contact.models import OutboundMessage
from arrears.debtors.models import Debtor
from arrears.documents.models import Document
from arrears.payments.models import CheckoutSession, PaymentPlan, Promise
from arrears.payments.tests.test_stripe import API_KEY, SECRET, StandIn, completed, signed
from arrears.portal.models import PortalLimits
from arrears.tenancy.choices import Role

from .conftest import last_code

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def verified(client, debtor_account, smtp_server):
    client.post("/portal/acme/", {"reference": "PORT-1", "last_name": "Doe1", "postal_code": "10001"})
    point = next(d for d in client.get("/portal/acme/code/").context["destinations"] if d.channel == "email")
    client.post("/portal/acme/code/", {"action": "send", "destination": point.contact_point_id})
    assert (
        client.post("/portal/acme/code/", {"action": "verify", "code": last_code(smtp_server)}).status_code
        == 302
    )
    return debtor_account


def _today(org):
    from arrears.payments.services import organization_today

    return organization_today(org)


def test_the_account_page_shows_balances_itemization_and_the_notice(client, verified):
    account, _ = verified

    page = client.get(f"/portal/acme/accounts/{account.pk}/")
    notice = client.get(f"/portal/acme/accounts/{account.pk}/notice.pdf")

    assert page.status_code == 200 and b"1,000.00" in page.content or b"1000.00" in page.content
    assert b"Itemization" in page.content
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")


def test_a_promise_within_the_limits_is_recorded_with_a_receipt(client, verified, org):
    account, debtor = verified
    due = _today(org) + timedelta(days=10)

    response = client.post(
        f"/portal/acme/accounts/{account.pk}/promise/", {"amount": "100.00", "due_on": due.isoformat()}
    )

    assert response.status_code == 200
    promise = Promise.objects.get(account=account)
    assert promise.amount == Decimal("100.00") and promise.channel == "portal"
    assert promise.actor_label == f"portal:debtor:{debtor.pk}"
    assert OutboundMessage.objects.filter(
        account=account, channel="email", subject__contains="promise"
    ).exists()


def test_a_promise_beyond_the_organizations_limit_is_refused_next_to_the_form(client, verified, org):
    account, _ = verified
    due = _today(org) + timedelta(days=90)

    response = client.post(
        f"/portal/acme/accounts/{account.pk}/promise/", {"amount": "100.00", "due_on": due.isoformat()}
    )

    assert response.status_code == 400 and b"30 days" in response.content
    assert not Promise.objects.exists()


def test_a_plan_within_the_limits_is_set_up(client, verified, org):
    account, _ = verified
    first = _today(org) + timedelta(days=7)

    response = client.post(
        f"/portal/acme/accounts/{account.pk}/plan/",
        {"installments": "4", "frequency": "monthly", "first_due": first.isoformat()},
    )

    assert response.status_code == 200, response.content
    plan = PaymentPlan.objects.get(account=account)
    assert plan.installments.count() == 4 and plan.total == Decimal("1000.00")


def test_a_plan_outside_the_limits_the_organization_set_is_refused(client, verified, org):
    account, _ = verified
    PortalLimits.objects.create(organization=org, max_installments=3, min_installment=Decimal("50"))
    first = _today(org) + timedelta(days=7)

    response = client.post(
        f"/portal/acme/accounts/{account.pk}/plan/",
        {"installments": "6", "frequency": "monthly", "first_due": first.isoformat()},
    )

    assert response.status_code == 400 and b"between 1 and 3" in response.content
    assert not PaymentPlan.objects.exists()


def test_a_dispute_places_the_hold_at_once_and_the_workbench_shows_it(client, verified, make_user, org):
    from django.test import Client

    account, debtor = verified
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/portal/acme/accounts/{account.pk}/dispute/",
        {
            "reason": "I paid this in 2024",
            "verification": "on",
            "upload": SimpleUploadedFile("receipt.pdf", PDF),
        },
    )

    assert response.status_code == 200, response.content
    hold = Hold.objects.get(account=account)
    assert hold.kind == "dispute" and hold.details["written"] is True and hold.lifted_at is None
    assert Document.objects.get(account=account).kind == "dispute_letter"
    staff = Client()
    staff.force_login(make_user(org, Role.COLLECTOR))
    panel = staff.get(f"/compliance/accounts/{account.pk}/holds/")
    assert panel.status_code == 200 and b"Dispute" in panel.content
    assert AuditEvent.objects.filter(
        event="portal.dispute_filed", actor_label=f"portal:debtor:{debtor.pk}"
    ).exists()
    home = client.get("/portal/acme/home/")
    assert b"Disputed" in home.content


def test_an_sms_opt_out_blocks_the_next_text_at_the_gate(client, verified, system):
    from arrears.core.clock import utcnow
    from arrears.debtors.services import consent_record

    account, debtor = verified
    phone = debtor.contact_points.get(kind="phone")
    consent_record(
        debtor=debtor, channel="sms", kind="consent", granted=True, actor=system, contact_point=phone
    )
    at = (utcnow() + timedelta(days=1)).replace(hour=16, minute=0)  # 11:00 or 12:00 in New York
    before = decide(account=account, channel="sms", target=phone, at=at, actor=system)

    response = client.post(
        "/portal/acme/preferences/", {"form": "optout", "channel": "sms", "contact_point": ""}
    )
    decision = decide(
        account=account, channel="sms", target=debtor.contact_points.get(kind="phone"), at=at, actor=system
    )

    assert before.proceeds, before.codes
    assert response.status_code == 200
    assert not decision.proceeds and "MEDIUM_OPT_OUT" in decision.codes


def test_opting_out_of_one_number_leaves_the_others(client, verified):
    account, debtor = verified
    phone = debtor.contact_points.get(kind="phone")

    client.post(
        "/portal/acme/preferences/", {"form": "optout", "channel": "call", "contact_point": str(phone.pk)}
    )

    page = client.get("/portal/acme/preferences/")
    assert b"call" in page.content
    assert debtor.consents.get().contact_point_id == phone.pk


def test_preferences_set_language_and_inconvenient_times_for_the_gate(client, verified):
    _, debtor = verified

    response = client.post(
        "/portal/acme/preferences/",
        {"form": "prefs", "language": "es", "days": ["mon", "tue"], "start": "12:00", "end": "13:30"},
    )

    assert response.status_code == 200
    debtor = Debtor.objects.get(pk=debtor.pk)
    assert debtor.language == "es"
    assert debtor.inconvenient_times == [{"days": ["mon", "tue"], "start": "12:00", "end": "13:30"}]


def test_bad_preferences_are_a_400_with_the_message(client, verified):
    response = client.post("/portal/acme/preferences/", {"form": "prefs", "language": "es", "start": "12:00"})

    assert response.status_code == 400 and b"both times" in response.content


@pytest.fixture
def stripe_standin(monkeypatch):
    import threading
    from http.server import ThreadingHTTPServer

    StandIn.sessions, StandIn.requests = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("STRIPE_API_BASE", f"http://127.0.0.1:{server.server_address[1]}")
    yield StandIn
    server.shutdown()
    server.server_close()


def test_paying_two_accounts_by_card_opens_one_checkout_after_the_other(
    client, verified, make_account, stripe_standin
):
    account, debtor = verified
    second = make_account(reference="PORT-2", debtor=debtor, principal=Decimal("300.00"))

    first_hop = client.post(
        "/portal/acme/pay/", {f"amount_{account.pk}": "125.50", f"amount_{second.pk}": "300.00"}
    )
    second_hop = client.get("/portal/acme/pay/next/")
    done = client.get("/portal/acme/pay/next/")

    assert first_hop.status_code == 302 and first_hop["Location"].startswith("https://checkout.stripe.com/")
    assert second_hop.status_code == 302 and second_hop["Location"] != first_hop["Location"]
    assert done.status_code == 200
    sessions = CheckoutSession.objects.order_by("id")
    assert [(s.account_id, s.amount) for s in sessions] == [
        (account.pk, Decimal("125.50")),
        (second.pk, Decimal("300.00")),
    ]
    payload, signature = signed(completed(sessions[0].session_id, amount=12550))
    hook = client.post(
        "/payments/stripe/webhook/", payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature
    )
    assert hook.status_code == 200
    page = client.get(f"/portal/acme/accounts/{account.pk}/")
    assert b"125.50" in page.content


def test_paying_more_than_owed_is_refused_next_to_the_field(client, verified, stripe_standin):
    account, _ = verified

    response = client.post("/portal/acme/pay/", {f"amount_{account.pk}": "5000"})

    assert response.status_code == 400 and not CheckoutSession.objects.exists()


def test_nothing_happens_without_a_verified_session(client, debtor_account):
    account, _ = debtor_account

    for path in (
        "home/",
        f"accounts/{account.pk}/",
        f"accounts/{account.pk}/dispute/",
        "pay/",
        "preferences/",
    ):
        assert client.get(f"/portal/acme/{path}").status_code == 302
    assert client.post(f"/portal/acme/accounts/{account.pk}/dispute/", {"reason": "x"}).status_code == 302
    assert not Hold.objects.exists()


GARBAGE = ("abc", "99999999999999999999", "-1", "1e999", "2026-13-45", "", "x" * 5000, "\x00")
FIELDS = (
    "amount", "due_on", "installments", "frequency", "first_due", "reason", "verification", "channel",
    "contact_point", "form", "language", "days", "start", "end", "code", "destination", "action",
)  # fmt: skip


def test_no_verified_portal_page_answers_garbage_with_a_5xx(client, verified, stripe_standin):
    account, _ = verified
    pk = account.pk
    pages = ["home/", "pay/", "preferences/"] + [
        f"accounts/{pk}/{tail}" for tail in ("", "promise/", "plan/", "dispute/", "notice.pdf")
    ]
    answers = {}

    for page in pages:
        for value in GARBAGE:
            data = {name: value for name in FIELDS} | {f"amount_{account.pk}": value}
            for method in (client.get, client.post):
                answers[(page, value[:10], method.__name__)] = method(
                    f"/portal/acme/{page}", data
                ).status_code

    assert not {k: v for k, v in answers.items() if v >= 500}
    assert client.get("/portal/acme/home/").status_code == 200  # still verified


def test_esign_consent_is_recorded_on_the_email_and_can_be_withdrawn(client, verified):
    _, debtor = verified
    email = debtor.contact_points.get(kind="email")

    given = client.post("/portal/acme/preferences/", {"form": "esign", "email": str(email.pk), "agree": "on"})
    page = client.get("/portal/acme/preferences/")
    withdrawn = client.post("/portal/acme/preferences/", {"form": "esign", "email": str(email.pk)})

    assert given.status_code == 200 and withdrawn.status_code == 200
    assert b"You agreed for:" in page.content
    records = list(debtor.consents.filter(channel="email", kind="consent").order_by("id"))
    assert [(r.contact_point_id, r.granted, r.source) for r in records] == [
        (email.pk, True, "portal:esign"),
        (email.pk, False, "portal:esign"),
    ]
    assert b"You agreed for:" not in client.get("/portal/acme/preferences/").content


def test_esign_consent_for_an_address_not_theirs_is_a_400(client, verified, make_account):
    stranger = make_account(reference="OTHER-9").debtors.get().contact_points.get(kind="email")

    response = client.post(
        "/portal/acme/preferences/", {"form": "esign", "email": str(stranger.pk), "agree": "on"}
    )

    assert response.status_code == 400


def test_a_settlement_offer_is_accepted_and_paid_by_card(client, verified, org, system, stripe_standin):
    from arrears.core.money import Money
    from arrears.payments.services import settlement_offer

    account, debtor = verified
    offer = settlement_offer(
        account=account, amount=Money(Decimal("600.00"), "USD"), expires_on=_today(org) + timedelta(days=14),
        actor=system,
    )  # fmt: skip
    page = client.get(f"/portal/acme/accounts/{account.pk}/")

    response = client.post(f"/portal/acme/accounts/{account.pk}/settle/{offer.pk}/")

    assert b"Settlement offer" in page.content and b"600.00" in page.content
    assert response.status_code == 302 and response["Location"].startswith("https://checkout.stripe.com/")
    assert CheckoutSession.objects.get().amount == Decimal("600.00")
    assert AuditEvent.objects.filter(
        event="portal.settlement_accepted", actor_label=f"portal:debtor:{debtor.pk}"
    ).exists()


def test_an_expired_or_unknown_settlement_cannot_be_accepted(client, verified, stripe_standin):
    account, _ = verified

    response = client.post(f"/portal/acme/accounts/{account.pk}/settle/999999/")

    assert response.status_code == 409 and not CheckoutSession.objects.exists()


def test_a_plan_paid_by_bank_debit_records_the_authorization(client, verified, org):
    from arrears.payments.models import AchAuthorization

    account, debtor = verified
    first = _today(org) + timedelta(days=7)
    plan = {"installments": "4", "frequency": "monthly", "first_due": first.isoformat(), "debit": "on"}
    bank = {"holder_name": "Jane Doe", "routing_number": "021000021", "account_number": "123456789",
            "account_type": "checking"}  # fmt: skip

    unauthorized = client.post(f"/portal/acme/accounts/{account.pk}/plan/", plan | bank)
    authorized = client.post(f"/portal/acme/accounts/{account.pk}/plan/", plan | bank | {"authorize": "on"})

    assert unauthorized.status_code == 400 and b"Tick the authorization" in unauthorized.content
    assert authorized.status_code == 200, authorized.content
    auth = AchAuthorization.objects.get(account=account)
    assert auth.account_last4 == "6789" and "123456789" not in auth.account_number_encrypted
    assert auth.plan.installments.count() == 4
    assert AuditEvent.objects.filter(
        event="ach.authorized", actor_label=f"portal:debtor:{debtor.pk}"
    ).exists()


def test_a_bad_routing_number_is_refused_next_to_its_field_and_no_plan_is_made(client, verified, org):
    account, _ = verified
    first = _today(org) + timedelta(days=7)

    response = client.post(
        f"/portal/acme/accounts/{account.pk}/plan/",
        {"installments": "4", "frequency": "monthly", "first_due": first.isoformat(), "debit": "on",
         "holder_name": "Jane Doe", "routing_number": "123456789", "account_number": "1234",
         "account_type": "checking", "authorize": "on"},
    )  # fmt: skip

    assert response.status_code == 400 and b"routing number" in response.content
    assert not PaymentPlan.objects.exists()


def test_documents_the_organization_shares_are_listed_and_downloaded_others_are_404(
    client, verified, make_user, org, system
):
    import io

    from django.test import Client

    from arrears.documents.services import document_store

    account, _ = verified
    statement = document_store(
        actor=system, kind="statement", stream=io.BytesIO(PDF), original_name="statement.pdf", account=account
    )
    private = document_store(
        actor=system, kind="statement", stream=io.BytesIO(PDF), original_name="notes.pdf", account=account
    )
    letter = document_store(
        actor=system, kind="dispute_letter", stream=io.BytesIO(PDF), original_name="dl.pdf", account=account
    )
    staff = Client()
    staff.force_login(make_user(org, Role.COLLECTOR))

    shared = staff.post(f"/documents/{statement.pk}/share/", {"shared": "1"})
    refused = staff.post(f"/documents/{letter.pk}/share/", {"shared": "1"})
    page = client.get(f"/portal/acme/accounts/{account.pk}/")
    download = client.get(f"/portal/acme/accounts/{account.pk}/documents/{statement.pk}/")

    assert shared.status_code == 302 and refused.status_code == 302
    assert (
        b"statement.pdf" in page.content
        and b"notes.pdf" not in page.content
        and b"dl.pdf" not in page.content
    )
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.get(f"/portal/acme/accounts/{account.pk}/documents/{private.pk}/").status_code == 404
    assert client.get(f"/portal/acme/accounts/{account.pk}/documents/{letter.pk}/").status_code == 404
    assert AuditEvent.objects.filter(event="document.shared").count() == 1
    assert AuditEvent.objects.filter(
        event="document.viewed", actor_label__startswith="portal:debtor:"
    ).exists()


def _form_action(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directive = next(d.strip() for d in policy.split(";") if d.strip().startswith("form-action "))
    return directive.split()[1:]


def test_the_csp_lets_a_verified_debtors_forms_reach_the_card_providers_checkout_and_nothing_else(
    client, verified, monkeypatch
):
    """The pay and settle forms are redirected to the hosted checkout, which form-action covers: the
    provider's checkout origin is allowed on a verified debtor's pages, and no other origin anywhere."""
    account, _ = verified
    monkeypatch.delenv("STRIPE_API_BASE", raising=False)
    for path in ("/portal/acme/pay/", f"/portal/acme/accounts/{account.pk}/", "/portal/acme/home/"):
        assert _form_action(client.get(path)) == ["'self'", "https://checkout.stripe.com"], path

    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:8123/v1/")  # a stand-in serves both
    assert _form_action(client.get("/portal/acme/pay/")) == ["'self'", "http://127.0.0.1:8123"]

    # Before verification, and in the workbench, forms go to this origin only.
    client.post("/portal/acme/signout/")
    assert _form_action(client.get("/portal/acme/")) == ["'self'"]
    assert _form_action(client.get("/login/")) == ["'self'"]


def test_after_esign_consent_the_notice_is_emailed_and_the_portal_says_when(
    client, verified, smtp_server, org, settings, tmp_path
):
    # given: the debtor consents to electronic delivery in the portal (after the E-SIGN disclosures)
    from datetime import UTC, datetime, time, timedelta

    from arrears.compliance.models import ValidationNotice
    from arrears.contact.messaging import message_deliver
    from arrears.core.clock import utcnow
    from arrears.strategies.notices import validation_notices_send
    from arrears.tenancy.domain import system_principal

    settings.MEDIA_ROOT = str(tmp_path)
    account, debtor = verified
    email = debtor.contact_points.get(kind="email")
    client.post("/portal/acme/preferences/", {"form": "esign", "email": str(email.pk), "agree": "on"})
    # 10:00 or 11:00 in New York: inside the hours, and after the consent just given (a run after 15:00
    # UTC sends tomorrow; sending before the consent existed would rightly fail for good)
    send_at = datetime.combine(utcnow().date(), time(15, 0), tzinfo=UTC)
    if send_at <= utcnow():
        send_at += timedelta(days=1)

    # when the nightly step queues the notice and the outbox sends it
    queued = validation_notices_send(
        organization_id=org.pk, now=utcnow(), actor=system_principal(org.pk, "x")
    )
    message = OutboundMessage.objects.get(purpose="validation_notice")
    sent = message_deliver(message_id=message.pk, now=send_at)
    page = client.get(f"/portal/acme/accounts/{account.pk}/").content.decode()
    pdf = client.get(f"/portal/acme/accounts/{account.pk}/notice.pdf").content

    # then the page names the address, the date it was sent and the deadline; the PDF is the one sent
    assert queued == {"email": 1} and sent.status == "sent"
    notice = ValidationNotice.objects.get(account=account)
    assert notice.provided_on == send_at.date() and notice.channel == "email"
    assert f"We emailed your validation notice to {email.value} on {notice.provided_on:%Y-%m-%d}" in page
    assert f"You can dispute the debt until {notice.ends_on:%Y-%m-%d}" in page
    assert pdf == notice.document.open("rb").read(), "the portal serves the notice that was sent"
    attachment = next(smtp_server.messages[-1].iter_attachments())
    assert attachment.get_content() == pdf
