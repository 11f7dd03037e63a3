"""The account page's actions: each through its service, answered in place for htmx, with bad input as a
message next to its field; a client viewer cannot act, and sees only its client's accounts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.tenancy.choices import Role

DAY = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 14:00 in New York, the organization's zone
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def as_role(client, org, make_user):
    def login(role, username=None):
        client.force_login(make_user(org, role, username=username or role))
        return client

    return login


def url(name: str, account, *args) -> str:
    return reverse(f"workbench:{name}", args=[account.pk, *args])


def test_a_promise_is_recorded_and_shown_in_place(as_role, make_account):
    # given a collector on an account
    account = make_account(principal=Decimal("500.00"))
    browser = as_role(Role.COLLECTOR)

    # when they record a promise with htmx
    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            url("promise_add", account), {"amount": "120.00", "due_on": "2026-03-20"}, **HTMX
        )

    # then the money panel comes back with the promise, and the other panels are told
    from arrears.payments.models import Promise

    body = response.content.decode()
    assert response.status_code == 200 and response["HX-Trigger"] == "arrears:money"
    assert "Promise of 120.00 USD by 2026-03-20 recorded." in body
    promise = Promise.objects.get()
    assert promise.amount == Decimal("120.00") and promise.due_on == date(2026, 3, 20)


def test_a_plan_shows_its_schedule_and_each_installments_state(as_role, make_account):
    account = make_account(principal=Decimal("600.00"))
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            url("plan_add", account),
            {"frequency": "monthly", "first_due": "2026-04-01", "installments": "3"},
            **HTMX,
        )

    body = response.content.decode()
    assert "Plan of 600.00 USD set up" in body
    for due in ("2026-04-01", "2026-05-01", "2026-06-01"):
        assert f"<td>{due}</td>" in body
    assert body.count('<span class="badge due">Due</span>') == 3


def test_a_plan_needs_a_count_or_an_amount_each_and_says_so_by_the_field(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    response = browser.post(url("plan_add", account), {"frequency": "monthly", "first_due": "2026-04-01"})

    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="plan-installments-error"' in body and "Give either the number" in body


def test_a_settlement_above_the_collectors_limit_waits_for_a_manager(as_role, make_account):
    # given a collector, whose limit is 20% off
    account = make_account(principal=Decimal("1000.00"))
    browser = as_role(Role.COLLECTOR)

    # when they propose 30% off, then 10% off on another account
    with time_machine.travel(DAY, tick=False):
        above = browser.post(
            url("settlement_add", account), {"amount": "700.00", "expires_on": "2026-03-31"}, **HTMX
        )
        within_account = make_account(principal=Decimal("1000.00"))
        within = browser.post(
            url("settlement_add", within_account), {"amount": "900.00", "expires_on": "2026-03-31"}, **HTMX
        )

    # then the first waits for a manager's approval, the second is approved
    from arrears.payments.models import Settlement

    assert "is above your limit: it waits for a manager&#x27;s approval." in above.content.decode()
    assert "Awaiting approval" in above.content.decode()
    assert "approved" in within.content.decode()
    assert dict(Settlement.objects.values_list("account_id", "status")) == {
        account.pk: "pending_approval",
        within_account.pk: "approved",
    }


def test_a_payment_is_posted_once_and_can_be_reversed(as_role, make_account):
    account = make_account(principal=Decimal("300.00"))
    browser = as_role(Role.COLLECTOR)
    form = {"amount": "100.00", "method": "check", "received_on": "2026-03-10", "idempotency_key": "k1"}

    with time_machine.travel(DAY, tick=False):
        first = browser.post(url("payment_add", account), form, **HTMX)
        again = browser.post(url("payment_add", account), form, **HTMX)  # a double click

    from arrears.payments.models import Payment

    payment = Payment.objects.get()
    assert "Payment of 100.00 USD posted." in first.content.decode()
    assert again.status_code == 200
    account.refresh_from_db()
    assert account.balance_principal == Decimal("200.00")

    with time_machine.travel(DAY, tick=False):
        reversed_ = browser.post(url("payment_reverse", account, payment.pk), {"reason": "nsf"}, **HTMX)

    assert "Payment of 100.00 USD reversed." in reversed_.content.decode()
    account.refresh_from_db()
    assert account.balance_principal == Decimal("300.00")


def test_a_payment_in_the_future_is_refused_next_to_its_date(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            url("payment_add", account),
            {"amount": "10", "method": "check", "received_on": "2026-03-11", "idempotency_key": "k"},
        )

    assert response.status_code == 400
    assert 'id="payment-received_on-error"' in response.content.decode()


def test_reversing_another_accounts_payment_is_404(as_role, make_account, system):
    from arrears.core.money import Money
    from arrears.payments.services import payment_post

    mine, other = make_account(), make_account()
    payment = payment_post(
        account=other,
        amount=Money(Decimal("5"), "USD"),
        method="cash",
        received_at=DAY,
        actor=system,
        idempotency_key="x",
    )

    response = as_role(Role.COLLECTOR).post(url("payment_reverse", mine, payment.pk), {"reason": "nsf"})

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("result", "extra", "expect"),
    [
        ("right_party_contact", {}, "Call logged: right-party contact."),
        ("wrong_number", {}, "Call logged: wrong number."),
        ("refusal", {}, "The refusal is noted."),
        ("promise", {"promise_amount": "50", "promise_due_on": "2026-03-15"}, "The promise is recorded."),
        ("dispute", {"dispute_written": "on"}, "A dispute hold is placed"),
        ("callback", {"callback_at": "2026-03-11T10:30"}, "The callback is in the queue."),
    ],
)
def test_a_call_records_what_came_of_it(as_role, make_account, result, extra, expect):
    # given a collector on the phone with the debtor
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    # when they log the call with its result
    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            url("call_log", account),
            {"number": "+12125550001", "direction": "outbound", "outcome": result, "minutes": "3", **extra},
            **HTMX,
        )

    # then the call panel says what was recorded, and the follow-up exists
    from arrears.accounts.models import AccountNote
    from arrears.attempts.models import CallRequest, ContactAttempt
    from arrears.compliance.models import Hold
    from arrears.payments.models import Promise

    assert expect in response.content.decode()
    assert response["HX-Trigger"] == "arrears:call"
    attempt = ContactAttempt.objects.get()
    assert attempt.outcome == ("wrong_number" if result == "wrong_number" else "right_party_contact")
    assert Promise.objects.count() == (result == "promise")
    assert Hold.objects.filter(kind="dispute", details__written=True).count() == (result == "dispute")
    assert AccountNote.objects.filter(body__startswith="Refused").count() == (result == "refusal")
    requests = list(CallRequest.objects.values_list("source", "due_at"))
    # 10:30 in New York (EDT from 8 March) is 14:30 UTC
    assert requests == (
        [("callback", datetime(2026, 3, 11, 14, 30, tzinfo=UTC))] if result == "callback" else []
    )


def test_a_promise_on_a_call_needs_its_amount_and_date(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            url("call_log", account),
            {"number": "+12125550001", "direction": "outbound", "outcome": "promise"},
            **HTMX,
        )

    from arrears.attempts.models import ContactAttempt

    body = response.content.decode()
    assert 'id="promise-amount-error"' in body and 'id="promise-due-on-error"' in body
    assert not ContactAttempt.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_promise_in_the_past_undoes_the_call_too(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        response = browser.post(
            url("call_log", account),
            {
                "number": "+12125550001",
                "direction": "outbound",
                "outcome": "promise",
                "promise_amount": "10",
                "promise_due_on": "2026-03-01",
            },
        )

    from arrears.attempts.models import ContactAttempt

    assert response.status_code == 400
    assert 'id="promise-due-on-error"' in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_the_call_panel_gives_the_mini_miranda_as_words_to_say(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        panel = browser.get(url("call_form", account)).content.decode()
        contact_now = browser.get(url("contact_now", account)).content.decode()

    for body in (panel, contact_now):
        assert "Say this:" in body
        assert "This is Acme Recovery. This is a communication from a debt collector." in body
        assert ">MINI_MIRANDA<" not in body  # the code is a hover, not the text


def test_blocks_and_warnings_look_different_from_what_to_say(as_role, make_account):
    account = make_account()
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(datetime(2026, 3, 11, 3, 0, tzinfo=UTC), tick=False):  # 23:00 in New York
        body = browser.get(url("contact_now", account)).content.decode()

    assert '<div class="compliance block" role="alert"><strong>Do not contact now.</strong>' in body
    assert "Say this:" not in body.split('id="contact-now-h"')[1].split("Email")[0]


def test_a_message_is_previewed_for_the_account_then_sent(as_role, make_account, system, org, settings):
    from arrears.contact.messaging import template_save
    from arrears.contact.models import OutboundMessage

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    account = make_account(principal=Decimal("250.00"))
    template = template_save(
        organization=org,
        key="reminder",
        channel="sms",
        body=(
            "{{ organization.name }}: {{ account.balance }} is due. From a debt collector. "
            "Reply STOP to opt out."
        ),
        actor=system,
    )
    browser = as_role(Role.COLLECTOR)

    preview = browser.post(url("message_preview", account), {"template": template.pk}, **HTMX)

    body = preview.content.decode()
    assert "Acme Recovery: $250.00 is due." in body and "+12125550001" in body
    assert not OutboundMessage.objects.exists()

    sent = browser.post(url("message_send", account), {"template": template.pk}, **HTMX)

    assert "queued: it is sent once the compliance gate allows it." in sent.content.decode()
    message = OutboundMessage.objects.get()
    assert message.account_id == account.pk and "$250.00" in message.body


def test_an_unknown_template_is_a_message_by_the_field(as_role, make_account):
    account = make_account()

    response = as_role(Role.COLLECTOR).post(url("message_preview", account), {"template": "99999"})

    assert response.status_code == 400
    assert 'id="template-error"' in response.content.decode()


def test_the_evidence_packet_and_validation_notice_download_as_pdf(as_role, make_account):
    account = make_account(itemization_date=date(2026, 1, 1))
    browser = as_role(Role.COLLECTOR)

    with time_machine.travel(DAY, tick=False):
        evidence = browser.get(url("evidence", account))
        notice = browser.get(url("validation_notice", account))

    for response in (evidence, notice):
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]


def test_the_status_shows_holds_and_disputes(as_role, make_account, system):
    from arrears.compliance.services import hold_place

    account = make_account()
    hold_place(kind="dispute", actor=system, account=account, details={"written": False})
    hold_place(kind="bankruptcy", actor=system, account=account)

    body = as_role(Role.COLLECTOR).get(url("account_detail", account)).content.decode()

    assert "Disputed (orally)" in body and "Hold: Bankruptcy" in body


def test_times_show_in_the_organizations_zone(as_role, make_account):
    with time_machine.travel(DAY, tick=False):
        account = make_account()
        body = as_role(Role.COLLECTOR).get(url("account_detail", account)).content.decode()

    assert "2026-03-10 14:00 EDT" in body  # the ledger's opening entry, posted 18:00 UTC


def test_the_page_documents_its_keyboard_shortcuts(as_role, make_account):
    body = as_role(Role.COLLECTOR).get(url("account_detail", make_account())).content.decode()

    assert 'id="shortcuts"' in body and "Keyboard shortcuts" in body
    assert 'data-shortcut="p" data-shortcut-target="promise-form"' in body
    assert "workbench/shortcuts.js" in body and "<script>" not in body


ACTIONS = [
    ("promise_add", {"amount": "1", "due_on": "2026-12-31"}),
    ("plan_add", {"frequency": "monthly", "first_due": "2026-12-31", "installments": "2"}),
    ("settlement_add", {"amount": "1", "expires_on": "2026-12-31"}),
    ("payment_add", {"amount": "1", "method": "cash", "received_on": "2026-01-01", "idempotency_key": "k"}),
    ("call_log", {"number": "+12125550001", "direction": "outbound", "outcome": "no_answer"}),
    ("note_add", {"body": "hello"}),
    ("message_preview", {"template": "1"}),
    ("message_send", {"template": "1"}),
]


@pytest.mark.parametrize(("name", "data"), ACTIONS, ids=[a[0] for a in ACTIONS])
def test_a_client_viewer_cannot_act(client, org, make_user, make_account, name, data):
    account = make_account()
    client.force_login(make_user(org, Role.CLIENT_VIEWER, clients=[account.client]))

    response = client.post(url(name, account), data)

    assert response.status_code == 403


def test_a_client_viewer_reads_only_its_clients_accounts(client, org, system, make_user, make_account):
    from arrears.tenancy.services import client_create

    other_client = client_create(organization=org, code="hosp", name="Hospital", actor=system)
    mine, theirs = make_account(), make_account(client=other_client)
    client.force_login(make_user(org, Role.CLIENT_VIEWER, clients=[mine.client]))

    assert client.get(url("money", mine)).status_code == 200
    assert client.get(url("account_detail", mine)).status_code == 200
    for name in ("money", "status", "contact_now", "account_detail", "timeline"):
        assert client.get(url(name, theirs)).status_code == 404, name
    assert client.get(url("evidence", mine)).status_code == 403
    assert 'id="promise-form"' not in client.get(url("money", mine)).content.decode()


def test_another_tenants_account_is_404_for_every_action(client, other_org, make_user, make_account):
    account = make_account()
    client.force_login(make_user(other_org, Role.ADMIN, username="outsider"))

    for name, data in ACTIONS:
        assert client.post(url(name, account), data).status_code == 404, name
    for name in ("money", "status", "contact_now", "message", "evidence", "validation_notice"):
        assert client.get(url(name, account)).status_code == 404, name


def _queries(browser, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert browser.get(path).status_code == 200
    return len(captured)


def test_the_account_page_and_its_panels_cost_the_same_queries_with_more_history(
    as_role, make_account, system
):
    from arrears.core.money import Money
    from arrears.payments.services import PlanTerms, payment_post, plan_create, promise_create

    account = make_account(principal=Decimal("5000.00"))
    browser = as_role(Role.COLLECTOR)
    pages = [url(n, account) for n in ("account_detail", "money", "status", "timeline", "contact_now")]
    with time_machine.travel(DAY, tick=False):
        browser.get(pages[0])
        promise_create(
            account=account, amount=Money(Decimal("5"), "USD"), due_on=date(2026, 3, 20), actor=system
        )
        payment_post(
            account=account,
            amount=Money(Decimal("5"), "USD"),
            method="cash",
            received_at=DAY,
            actor=system,
            idempotency_key="a",
        )
        before = [_queries(browser, p) for p in pages]
        for i in range(8):
            promise_create(
                account=account, amount=Money(Decimal("5"), "USD"), due_on=date(2026, 3, 20), actor=system
            )
            payment_post(
                account=account,
                amount=Money(Decimal("5"), "USD"),
                method="cash",
                received_at=DAY,
                actor=system,
                idempotency_key=f"b{i}",
            )
        plan_create(
            account=account,
            terms=PlanTerms(frequency="monthly", installments=12, first_due=date(2026, 4, 1)),
            actor=system,
        )

        after = [_queries(browser, p) for p in pages]

    assert after[1:] == before[1:] or after[1] == before[1] + 1  # a plan adds its installments' query
    assert after[0] == before[0]
    # (the idle timeout saves the session on every request: a savepoint, an update and a release more)
    assert before[0] <= 25 and after[1] <= 12 + 3


def test_the_forms_start_with_the_organizations_today_as_an_input_takes_it(as_role, make_account):
    account = make_account()

    with time_machine.travel(datetime(2026, 3, 11, 3, 0, tzinfo=UTC), tick=False):  # 23:00 on the 10th in NY
        body = as_role(Role.COLLECTOR).get(url("money", account)).content.decode()

    assert 'name="received_on" id="payment-received_on" value="2026-03-10"' in body
    assert 'name="due_on" id="promise-due_on" value="2026-03-17"' in body


def test_a_document_uploaded_from_the_page_shows_in_its_panel(as_role, make_account, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    account = make_account()
    browser = as_role(Role.COLLECTOR)
    upload = reverse("documents:upload", args=[account.pk])

    stored = browser.post(
        upload,
        {"kind": "other", "file": SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
        **HTMX,
    )
    refused = browser.post(upload, {"kind": "other"}, **HTMX)

    assert stored.status_code == 200 and "Stored letter.pdf." in stored.content.decode()
    assert "letter.pdf</a>" in stored.content.decode()
    assert refused.status_code == 200 and 'id="file-error"' in refused.content.decode()
