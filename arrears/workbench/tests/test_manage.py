"""The manager's pages (/manage/): who may reach them, what each does through its service, and bad input."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.core.clock import utcnow
from arrears.core.money import Money
from arrears.core.samples import samples_dir
from arrears.payments.choices import BankLineState, SettlementStatus
from arrears.payments.models import BankLine, Settlement
from arrears.payments.services import promise_create, settlement_offer
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

pytestmark = pytest.mark.django_db

GET_PAGES = [
    "home",
    "templates",
    "template_new",
    "settlements",
    "reconciliation",
    "people",
    "audit",
    "outbox",
    "letters",
    "tasks",
    "clients",
    "ach",
]


def url(name: str, *args) -> str:
    return reverse(f"workbench:manage:{name}", args=args)


def login(org, make_user, role, **kw) -> Client:
    user = make_user(org, role, **kw)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def manager(org, make_user):
    return login(org, make_user, Role.MANAGER)


@pytest.fixture
def pending(org, make_account):
    account = make_account(reference="SET-1", principal=Decimal("1000.00"))
    collector = Principal(organization_id=org.pk, role=Role.COLLECTOR, label="col")
    today = utcnow().date()
    return settlement_offer(
        account=account,
        amount=Money(Decimal("600.00"), "USD"),
        expires_on=today + timedelta(days=20),
        actor=collector,
        today=today,
    )


# --- who may reach the pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.COLLECTOR, Role.CLIENT_VIEWER])
def test_collectors_and_client_viewers_get_403_on_every_manager_page(org, make_user, client_, role, pending):
    # given
    browser = login(org, make_user, role, clients=[client_] if role == Role.CLIENT_VIEWER else None)

    # when
    answers = {name: browser.get(url(name)).status_code for name in GET_PAGES}
    decide = browser.post(url("settlement_decide", pending.pk), {"decision": "approve"})

    # then
    assert set(answers.values()) == {403}, answers
    assert decide.status_code == 403
    pending.refresh_from_db()
    assert pending.status == SettlementStatus.PENDING_APPROVAL


def test_a_manager_reaches_every_page(manager):
    answers = {name: manager.get(url(name)).status_code for name in GET_PAGES}

    assert set(answers.values()) == {200}, answers


def test_anonymous_visitors_are_sent_to_log_in(db):
    answer = Client().get(url("audit"))

    assert answer.status_code == 302 and answer["Location"].startswith("/login/")


# --- settlements ----------------------------------------------------------------------------------------


def test_a_manager_approves_a_pending_settlement(manager, pending):
    # given
    page = manager.get(url("settlements"))
    assert "SET-1" in page.content.decode()

    # when
    answer = manager.post(url("settlement_decide", pending.pk), {"decision": "approve"})

    # then
    assert answer.status_code == 302
    pending.refresh_from_db()
    assert pending.status == SettlementStatus.APPROVED
    assert AuditEvent.objects.filter(event=Event.SETTLEMENT_APPROVED, subject_id=str(pending.pk)).exists()
    assert f"settlement-{pending.pk}" not in manager.get(url("settlements")).content.decode()


def test_rejecting_needs_a_reason_next_to_the_field_and_is_audited(manager, pending):
    # when
    missing = manager.post(url("settlement_decide", pending.pk), {"decision": "reject", "reason": " "})
    done = manager.post(url("settlement_decide", pending.pk), {"decision": "reject", "reason": "too low"})

    # then
    assert missing.status_code == 400 and "Say why the settlement is rejected" in missing.content.decode()
    assert done.status_code == 302
    pending.refresh_from_db()
    assert pending.status == SettlementStatus.REJECTED
    event = AuditEvent.objects.get(event=Event.SETTLEMENT_REJECTED)
    assert event.data["reason"] == "too low" and event.account_id == pending.account_id


def test_a_decided_settlement_cannot_be_decided_again(manager, pending):
    manager.post(url("settlement_decide", pending.pk), {"decision": "approve"})

    again = manager.post(url("settlement_decide", pending.pk), {"decision": "reject", "reason": "x"})

    assert again.status_code == 400 and "is approved" in again.content.decode()


def test_another_tenants_settlement_is_not_found(other_org, make_user, pending):
    stranger = login(other_org, make_user, Role.MANAGER)

    answer = stranger.post(url("settlement_decide", pending.pk), {"decision": "approve"})

    assert answer.status_code == 404
    assert Settlement.objects.get(pk=pending.pk).status == SettlementStatus.PENDING_APPROVAL


# --- reconciliation -------------------------------------------------------------------------------------


@pytest.fixture
def review_line(org, system, make_account):
    """The OFX sample credits 0.01 on 2011-03-31 with no reference of ours: it waits for review."""
    account = make_account(reference="DIV-1", principal=Decimal("10.00"))
    promise_create(
        account=account,
        amount=Money(Decimal("0.01"), "USD"),
        due_on=date(2011, 3, 31),
        actor=system,
        today=date(2000, 1, 1),
    )
    path = Path(samples_dir()) / "ofx" / "ofxparse_checking.ofx"
    call_command("reconcile", "import", str(path), stdout=StringIO(), stderr=StringIO())
    return BankLine.objects.get(state=BankLineState.REVIEW)


def test_a_manager_posts_a_review_line_to_the_account_it_pays(manager, review_line):
    # given
    assert f"line-{review_line.pk}" in manager.get(url("reconciliation")).content.decode()

    # when
    wrong = manager.post(url("bank_line_decide", review_line.pk), {"action": "resolve", "account": "NOPE"})
    right = manager.post(url("bank_line_decide", review_line.pk), {"action": "resolve", "account": "DIV-1"})

    # then
    assert wrong.status_code == 400 and "NOPE" in wrong.content.decode()
    assert right.status_code == 302
    review_line.refresh_from_db()
    assert review_line.state == BankLineState.RESOLVED and review_line.payment_id is not None


def test_dismissing_a_line_needs_a_reason(manager, review_line):
    missing = manager.post(url("bank_line_decide", review_line.pk), {"action": "dismiss"})
    done = manager.post(
        url("bank_line_decide", review_line.pk), {"action": "dismiss", "reason": "own transfer"}
    )

    assert missing.status_code == 400 and "Say why the line is dismissed" in missing.content.decode()
    assert done.status_code == 302
    review_line.refresh_from_db()
    assert review_line.state == BankLineState.DISMISSED


# --- templates ------------------------------------------------------------------------------------------

GOOD_SMS = (
    "Hi {{ debtor.first_name }}, this is a debt collector. About {{ account.reference }}: "
    "call {{ callback_number }}. Reply STOP to opt out."
)


def test_the_editor_checks_the_rules_as_the_manager_types(manager):
    # when
    bad = manager.post(
        url("template_check"),
        {"key": "r1", "channel": "sms", "language": "en", "body": "Pay now"},
        HTTP_HX_REQUEST="true",
    )
    good = manager.post(
        url("template_check"),
        {"key": "r1", "channel": "sms", "language": "en", "body": GOOD_SMS},
        HTTP_HX_REQUEST="true",
    )
    syntax = manager.post(
        url("template_check"),
        {"key": "r1", "channel": "sms", "language": "en", "body": "{% if %}"},
        HTTP_HX_REQUEST="true",
    )

    # then
    assert bad.status_code == 200
    assert "opt out" in bad.content.decode() and "1006.6(e)" in bad.content.decode()
    assert "passes every content rule" in good.content.decode()
    assert "template error" in syntax.content.decode()


def test_a_template_is_saved_as_a_new_version_and_previewed_on_a_real_account(manager, make_account):
    # given
    make_account(reference="PRV-1", principal=Decimal("250.00"))
    draft = {"key": "reminder", "channel": "sms", "language": "en", "name": "Reminder", "body": GOOD_SMS}

    # when
    refused = manager.post(url("template_new"), {**draft, "body": "Pay now"})
    first = manager.post(url("template_new"), draft)
    second = manager.post(url("template_new"), {**draft, "body": GOOD_SMS + " Thanks."})
    preview = manager.post(url("template_preview"), {**draft, "account": "PRV-1"}, HTTP_HX_REQUEST="true")
    missing = manager.post(url("template_preview"), {**draft, "account": "NONE-9"}, HTTP_HX_REQUEST="true")

    # then
    assert refused.status_code == 400 and "opt out" in refused.content.decode()
    assert first.status_code == second.status_code == 302
    listing = manager.get(url("templates")).content.decode()
    assert "reminder" in listing and re.search(r'class="num">2</td>', listing)
    assert "About PRV-1" in preview.content.decode() and "Hi Jane" in preview.content.decode()
    assert "NONE-9" in missing.content.decode()


def test_another_tenants_template_is_not_found(other_org, make_user, manager):
    manager.post(
        url("template_new"), {"key": "k1", "channel": "sms", "language": "en", "name": "", "body": GOOD_SMS}
    )
    stranger = login(other_org, make_user, Role.MANAGER)
    pk = int(re.search(r"/manage/templates/(\d+)/", manager.get(url("templates")).content.decode()).group(1))

    assert stranger.get(url("template_edit", pk)).status_code == 404


# --- audit ----------------------------------------------------------------------------------------------


def test_the_audit_log_filters_by_event_actor_dates_and_account(manager, pending):
    # when
    by_event = manager.get(url("audit"), {"event": "settlement."}).content.decode()
    by_other_event = manager.get(url("audit"), {"event": "payment.posted"}).content.decode()
    by_actor = manager.get(url("audit"), {"actor": "col"}).content.decode()
    by_account = manager.get(url("audit"), {"account": pending.account_id}).content.decode()
    future = manager.get(url("audit"), {"since": "2099-01-01"}).content.decode()
    backwards = manager.get(url("audit"), {"since": "2026-02-01", "until": "2026-01-01"})

    # then
    cell = "<td>settlement.offered</td>"
    assert cell in by_event
    assert cell not in by_other_event
    assert cell in by_actor
    assert cell in by_account
    assert "No event matches" in future
    assert backwards.status_code == 400 and "before the start" in backwards.content.decode()


def test_the_audit_log_pages_without_a_query_per_row(manager, org, system):
    # given: 120 events
    from arrears.audit.services import AuditSpec, audit_record_many

    audit_record_many(
        actor=system,
        events=[
            AuditSpec(event=Event.ACCOUNT_NOTE_ADDED, subject_type="x", subject_id=n) for n in range(120)
        ],
    )

    # when
    with CaptureQueriesContext(connection) as first:
        page1 = manager.get(url("audit"))
    with CaptureQueriesContext(connection) as third:
        page3 = manager.get(url("audit"), {"page": 3})

    # then
    assert "page=2" in page1.content.decode() and "page=2" in page3.content.decode()
    assert len(first) == len(third) <= 12


@pytest.mark.parametrize("name", ["outbox", "settlements", "reconciliation", "people", "templates", "tasks"])
def test_list_pages_take_a_fixed_number_of_queries(manager, org, make_user, make_account, name):
    with CaptureQueriesContext(connection) as before:
        manager.get(url(name))
    for n in range(3):
        make_user(org, Role.COLLECTOR, username=f"extra{n}")
        make_account(reference=f"Q-{n}")
    with CaptureQueriesContext(connection) as after:
        manager.get(url(name))

    assert len(after) == len(before) <= 12


# --- settings -------------------------------------------------------------------------------------------


@pytest.fixture
def admin(org, make_user):
    return login(org, make_user, Role.ADMIN)


def test_an_admin_changes_the_time_zone_and_the_sender_name(admin, manager, org):
    # given
    path = url("settings")
    base = {"name": "Acme", "legal_name": "", "address": "", "phone": "", "email_sender_name": "Acme Billing"}
    base["mfa_policy"] = "off"  # as the form shows it (the shared organization asks nobody)

    # when
    bad = admin.post(path, {**base, "part": "organization", "timezone": "Mars/Olympus"})
    good = admin.post(path, {**base, "part": "organization", "timezone": "Europe/Paris"})

    # then
    assert bad.status_code == 400 and "Choose a time zone" in bad.content.decode()
    assert good.status_code == 302
    org.refresh_from_db()
    assert (org.timezone, org.email_sender_name) == ("Europe/Paris", "Acme Billing")
    event = AuditEvent.objects.get(event=Event.ORGANIZATION_SETTINGS_CHANGED, subject_type="organization")
    assert event.data["timezone"] == {"from": "America/New_York", "to": "Europe/Paris"}
    assert manager.get(path).status_code == 403


def test_the_letterhead_refuses_an_envelope_name_that_reveals_debt_collection(admin, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = str(tmp_path)
    path = url("settings")
    base = {"part": "branding", "primary_colour": "#112233", "accent_colour": "#445566", "return_address": ""}
    png = SimpleUploadedFile("logo.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
    text = SimpleUploadedFile("logo.txt", b"hello", content_type="text/plain")

    revealing = admin.post(path, {**base, "envelope_name": "Acme Debt Collection"})
    not_an_image = admin.post(path, {**base, "envelope_name": "Acme", "logo": text})
    bad_colour = admin.post(path, {**base, "envelope_name": "Acme", "primary_colour": "red"})
    saved = admin.post(path, {**base, "envelope_name": "Acme Services", "logo": png})

    assert revealing.status_code == 400 and "1006.22(f)(5)" in revealing.content.decode()
    assert not_an_image.status_code == 400 and "PNG, JPEG or SVG" in not_an_image.content.decode()
    assert bad_colour.status_code == 400 and "#1f3a5f" in bad_colour.content.decode()
    assert saved.status_code == 302
    assert admin.get(url("logo")).status_code == 200


def test_the_contact_policy_refuses_looser_than_the_law_next_to_the_field(admin, manager, org):
    # given
    from arrears.compliance.selectors import contact_policy

    path = url("settings")
    base = {
        "part": "policy",
        "call_limit": "7",
        "earliest": "08:00",
        "latest": "21:00",
        "weekend_calls": "on",
    }

    # when
    looser = admin.post(path, {**base, "call_limit": "9", "earliest": "07:00"})
    garbage = admin.post(path, {**base, "latest": "25:99"})
    stricter = admin.post(path, {**base, "call_limit": "4", "latest": "20:00"})

    # then
    page = looser.content.decode()
    assert looser.status_code == 400
    assert "at most 7 calls about a debt in 7 days" in page and "choose 08:00 or later" in page
    assert garbage.status_code == 400 and "Enter a valid time" in garbage.content.decode()
    assert stricter.status_code == 302
    policy = contact_policy(organization_id=org.pk)
    assert (policy.call_limit, policy.latest, policy.weekend_calls, policy.holiday_calls) == (
        4, time(20), True, False
    )  # fmt: skip
    event = AuditEvent.objects.get(event=Event.COMPLIANCE_POLICY_CHANGED)
    assert event.data["call_limit"] == {"from": 7, "to": 4}
    assert 'value="4"' in admin.get(path).content.decode()
    assert manager.post(path, base).status_code == 403
