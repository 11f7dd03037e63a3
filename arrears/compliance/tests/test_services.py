"""The gate over stored data: decide, holds, contact attempts, validation notices (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from arrears.attempts.models import ContactAttempt
from arrears.audit.models import AuditEvent
from arrears.compliance.domain import evaluate
from arrears.compliance.models import Decision, Hold
from arrears.compliance.notices import account_itemization, validation_notice_content, validation_notice_pdf
from arrears.compliance.scenario import decision_to_json, facts_from_json
from arrears.compliance.selectors import (
    contact_now_panel,
    decision_facts,
    decisions_for_account,
    holds_for_account,
    primary_debtor,
)
from arrears.compliance.services import decide, hold_lift, hold_place, validation_notice_record
from arrears.contact.services import contact_attempt_record
from arrears.core.errors import ArrearsError, Conflict, PermissionDenied
from arrears.debtors.models import ContactPoint
from arrears.debtors.services import consent_record
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.services import EntrySpec, ledger_post
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

# Tuesday 10 March 2026, 10:30 in New York.
NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def phone_of(account):
    return ContactPoint.objects.get(debtor=primary_debtor(account), kind="phone")


def test_decide_stores_a_replayable_decision_and_audits_it(make_account, system):
    account = make_account(jurisdiction_state="NY")

    decision = decide(account=account, channel="call", target=phone_of(account), at=NOW, actor=system)

    stored = Decision.objects.get(pk=decision.pk)
    assert list(decisions_for_account(principal=system, account=account)) == [stored]
    assert stored.allowed is True
    assert stored.target == phone_of(account).value
    assert [r["code"] for r in stored.requirements] == ["MINI_MIRANDA"]
    facts, now = facts_from_json(stored.facts)
    assert decision_to_json(evaluate(facts, now=now))["allowed"] is True
    assert AuditEvent.objects.filter(event="compliance.decided", account_id=account.pk).count() == 1


def test_decide_finds_the_debtor_from_a_target_string(make_account, system):
    account = make_account()

    facts, debtor, point = decision_facts(
        account=account, channel="sms", target="(212) 555-0001", purpose="collection", at=NOW
    )

    assert debtor == primary_debtor(account)
    assert point == phone_of(account)
    assert facts.action.target == "+12125550001"


def test_eighth_call_in_seven_days_is_blocked_and_logged_as_blocked(make_account, system):
    account = make_account()
    debtor = primary_debtor(account)
    point = phone_of(account)
    for i in range(7):
        contact_attempt_record(
            debtor=debtor,
            channel="call",
            direction="outbound",
            outcome="no_answer",
            accounts=[account],
            contact_point=point,
            actor=system,
            at=datetime(2026, 3, 9, 13, tzinfo=UTC) + timedelta(hours=i),
        )

    attempt = contact_attempt_record(
        debtor=debtor,
        channel="call",
        direction="outbound",
        outcome="no_answer",
        accounts=[account],
        contact_point=point,
        actor=system,
        at=NOW,
    )

    assert attempt.blocked
    assert attempt.decision.codes == ["REG_F_CALL_FREQUENCY"]
    assert attempt.decision.next_allowed_at == datetime(2026, 3, 16, 12, tzinfo=UTC)
    assert ContactAttempt.objects.filter(debtor=debtor).count() == 8
    # A blocked attempt was never made, so it does not count toward the next decision.
    later = decide(
        account=account, channel="call", target=point, at=datetime(2026, 3, 16, 12, tzinfo=UTC), actor=system
    )
    assert later.allowed


def test_a_call_about_two_debts_counts_for_both(make_account, system):
    first = make_account()
    debtor = primary_debtor(first)
    second = make_account(debtor=debtor)
    for i in range(7):
        contact_attempt_record(
            debtor=debtor,
            channel="call",
            direction="outbound",
            outcome="voicemail",
            accounts=[first, second],
            contact_point=phone_of(first),
            actor=system,
            at=datetime(2026, 3, 9, 13, tzinfo=UTC) + timedelta(hours=i),
        )

    about_second = decide(account=second, channel="call", target=phone_of(first), at=NOW, actor=system)

    assert about_second.codes == ["REG_F_CALL_FREQUENCY"]


def test_hold_on_account_blocks_until_lifted(make_account, system):
    account = make_account()
    hold = hold_place(
        kind="bankruptcy",
        account=account,
        actor=system,
        reason="BK notice",
        at=NOW,
        details={"case_number": "26-10001", "chapter": 7},
    )

    blocked = decide(account=account, channel="letter", at=NOW, actor=system)
    lifted = hold_lift(hold=hold, actor=system, reason="case dismissed", at=NOW + timedelta(hours=1))
    after = decide(account=account, channel="letter", at=NOW + timedelta(hours=2), actor=system)

    assert blocked.codes == ["BANKRUPTCY"] and blocked.next_allowed_at is None
    assert lifted.lifted_at is not None and lifted.lift_reason == "case dismissed"
    assert after.allowed
    events = list(
        AuditEvent.objects.filter(event__startswith="compliance.hold_").values_list("event", flat=True)
    )
    assert events == ["compliance.hold_placed", "compliance.hold_lifted"]
    with pytest.raises(Conflict):
        hold_lift(hold=hold, actor=system, reason="again")


def test_debtor_hold_covers_every_account_of_the_debtor(make_account, system):
    first = make_account()
    debtor = primary_debtor(first)
    second = make_account(debtor=debtor)
    hold_place(kind="attorney_represented", debtor=debtor, actor=system, at=NOW)

    decision = decide(account=second, channel="call", target=phone_of(first), at=NOW, actor=system)

    assert decision.codes == ["ATTORNEY_REPRESENTED"]
    assert [h.kind for h in holds_for_account(principal=system, account=first)] == ["attorney_represented"]


def test_dispute_hold_blocks_until_verification(make_account, system):
    account = make_account()
    hold_place(
        kind="dispute",
        account=account,
        actor=system,
        effective_on=date(2026, 3, 2),
        details={"written": True},
        at=NOW,
    )

    collection = decide(account=account, channel="letter", at=NOW, actor=system)
    verification = decide(account=account, channel="letter", purpose="verification", at=NOW, actor=system)

    assert collection.codes == ["DISPUTE_UNVERIFIED"]
    assert verification.allowed


def test_dispute_and_litigation_holds_need_an_account(make_account, system):
    debtor = primary_debtor(make_account())

    with pytest.raises(ArrearsError) as err:
        hold_place(kind="dispute", debtor=debtor, actor=system)

    assert err.value.code == "COMPLIANCE_HOLD_NEEDS_ACCOUNT"


def test_sms_needs_consent_recorded_for_that_number(make_account, system):
    account = make_account()
    point = phone_of(account)
    debtor = primary_debtor(account)

    before = decide(account=account, channel="sms", target=point, at=NOW, actor=system)
    consent_record(
        debtor=debtor,
        contact_point=point,
        channel="sms",
        kind="consent",
        granted=True,
        actor=system,
        at=NOW - timedelta(days=1),
    )
    after = decide(account=account, channel="sms", target=point, at=NOW, actor=system)

    assert before.codes == ["NO_SMS_CONSENT"]
    assert after.allowed
    assert [r["code"] for r in after.requirements] == ["MINI_MIRANDA", "ELECTRONIC_OPT_OUT_NOTICE"]


def test_email_opt_out_blocks_email_but_not_the_confirmation(make_account, system):
    account = make_account()
    debtor = primary_debtor(account)
    consent_record(
        debtor=debtor, channel="email", kind="opt_out", granted=True, actor=system, at=NOW - timedelta(days=1)
    )

    email = decide(account=account, channel="email", at=NOW, actor=system)
    confirm = decide(account=account, channel="email", purpose="optout_confirmation", at=NOW, actor=system)

    assert email.codes == ["MEDIUM_OPT_OUT"]
    assert confirm.allowed


def test_override_needs_the_permission_and_a_reason(make_account, system, org):
    account = make_account()
    hold_place(kind="cease_communication", account=account, actor=system, at=NOW)
    collector = Principal(organization_id=org.pk, role=Role.COLLECTOR, label="col")
    manager = Principal(organization_id=org.pk, role=Role.MANAGER, label="mgr")

    with pytest.raises(PermissionDenied):
        decide(account=account, channel="letter", at=NOW, actor=collector, override_reason="court order")
    decision = decide(account=account, channel="letter", at=NOW, actor=manager, override_reason="court order")

    assert decision.allowed is False and decision.overridden and decision.proceeds
    assert AuditEvent.objects.filter(event="compliance.overridden", account_id=account.pk).exists()


def test_validation_notice_overdue_counts_from_the_first_communication(make_account, system):
    account = make_account()
    debtor = primary_debtor(account)
    contact_attempt_record(
        debtor=debtor,
        channel="call",
        direction="outbound",
        outcome="conversation",
        accounts=[account],
        contact_point=phone_of(account),
        actor=system,
        at=datetime(2026, 3, 2, 15, tzinfo=UTC),
    )

    letter = decide(account=account, channel="letter", at=NOW, actor=system)
    notice = decide(account=account, channel="letter", purpose="validation_notice", at=NOW, actor=system)

    assert letter.codes == ["VALIDATION_NOTICE_OVERDUE"]
    assert notice.allowed


def test_first_party_organization_owes_no_validation_notice(make_account, db):
    from arrears.tenancy.models import Client
    from arrears.tenancy.services import organization_create

    shop = organization_create(
        slug="shop", name="Shop", kind="business", currency="USD", country="US", timezone="America/New_York"
    )
    actor = Principal(organization_id=shop.pk, role=Role.ADMIN, label="t")
    account = make_account(client=Client.objects.get(organization=shop))
    contact_attempt_record(
        debtor=primary_debtor(account),
        channel="email",
        direction="outbound",
        outcome="delivered",
        accounts=[account],
        actor=actor,
        at=datetime(2026, 3, 2, 15, tzinfo=UTC),
    )

    decision = decide(account=account, channel="letter", at=NOW, actor=actor)

    assert decision.allowed
    assert decision.requirements == []


def test_time_barred_account_cannot_be_sued(make_account, system):
    # New York open accounts: 3 years (CPLR 214-i) from default in 2022.
    account = make_account(jurisdiction_state="NY", delinquent_since=date(2022, 1, 15))

    suit = decide(account=account, channel="letter", purpose="lawsuit", at=NOW, actor=system)

    assert suit.codes == ["TIME_BARRED_SUIT"]
    assert suit.facts["debt"]["limitation_expires_on"] == "2025-01-15"
    assert ("TIME_BARRED_DISCLOSURE", "23 NYCRR 1.3") in [
        (r["code"], r["citation"]) for r in suit.requirements
    ]


def test_contact_now_panel_gives_each_channel(make_account, system):
    account = make_account()

    rows = contact_now_panel(principal=system, account=account, at=datetime(2026, 3, 11, 1, 30, tzinfo=UTC))

    assert [r.channel for r in rows] == ["call", "sms", "email", "letter"]
    by_channel = {r.channel: r for r in rows}
    assert not by_channel["call"].allowed
    assert [f.code for f in by_channel["call"].decision.reasons] == ["INCONVENIENT_TIME"]
    assert by_channel["call"].decision.next_allowed_at == datetime(2026, 3, 11, 12, tzinfo=UTC)
    assert [f.code for f in by_channel["sms"].decision.reasons] == ["INCONVENIENT_TIME", "NO_SMS_CONSENT"]
    assert by_channel["letter"].allowed
    assert Decision.objects.count() == 0  # the panel reads; it does not store


def test_hold_is_scoped_to_its_organization(make_account, system, other_org):
    account = make_account()
    stranger = Principal(organization_id=other_org.pk, role=Role.ADMIN, label="x")

    with pytest.raises(ArrearsError):
        hold_place(kind="deceased", account=account, actor=stranger)
    assert not Hold.objects.exists()


# --- validation notice (Model Form B-1) -----------------------------------------------------------------


def itemized_account(make_account, system):
    account = make_account(
        principal=Decimal("1000.00"),
        itemization_date=date(2026, 1, 31),
        original_creditor="Big Bank",
        current_creditor="Big Bank",
    )
    ledger_post(
        account=account,
        effective_on=date(2026, 2, 28),
        actor=system,
        entries=[
            EntrySpec(EntryKind.INTEREST, Bucket.INTEREST, Decimal("12.34")),
            EntrySpec(EntryKind.FEE, Bucket.FEES, Decimal("25.00")),
        ],
    )
    ledger_post(
        account=account,
        effective_on=date(2026, 3, 5),
        actor=system,
        entries=[EntrySpec(EntryKind.PAYMENT, Bucket.PRINCIPAL, Decimal("-100.00"))],
    )
    ledger_post(
        account=account,
        effective_on=date(2026, 3, 6),
        actor=system,
        entries=[EntrySpec(EntryKind.ADJUSTMENT, Bucket.PRINCIPAL, Decimal("-50.00"))],
    )
    account.refresh_from_db()
    return account


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_itemization_equation_holds_against_the_ledger(make_account, system):
    account = itemized_account(make_account, system)

    item = account_itemization(account=account)

    assert item.amount_on_itemization_date == Decimal("1000.00")
    assert (item.interest, item.fees, item.payments, item.credits) == (
        Decimal("12.34"),
        Decimal("25.00"),
        Decimal("100.00"),
        Decimal("50.00"),
    )
    assert item.current == Decimal("887.34") == account.balance_total
    assert item.balances


def test_validation_notice_pdf_has_the_model_form_content(make_account, system):
    account = itemized_account(make_account, system)

    pdf = validation_notice_pdf(validation_notice_content(account=account, provided_on=date(2026, 12, 21)))
    text = pdf_text(pdf)

    assert pdf.startswith(b"%PDF")
    assert "is a debt collector. We are trying to collect a debt that you owe to Big Bank" in text
    assert "As of January 31, 2026, you owed: $1,000.00" in text
    assert "You were charged this amount in interest: + $12.34" in text
    assert "You were charged this amount in fees: + $25.00" in text
    assert "– $150.00" in text and "payments $100.00; credits $50.00" in text
    assert "Total amount of the debt now: $887.34" in text
    # Provided Monday 21 December 2026; Christmas inside the 5 business days; ends 28 January 2027.
    assert "Call or write to us by January 28, 2027, to dispute all or part of the debt" in text
    assert "This is not my debt." in text
    assert "The amount is wrong." in text
    assert "Other (please describe on reverse or attach additional information)." in text
    assert "www.cfpb.gov/debt-collection" in text


def test_recorded_validation_notice_starts_the_validation_period(make_account, system, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    account = itemized_account(make_account, system)

    notice = validation_notice_record(account=account, provided_on=date(2026, 3, 2), actor=system)
    facts, _, _ = decision_facts(account=account, channel="letter", target=None, purpose="collection", at=NOW)

    assert notice.ends_on == date(2026, 4, 8)
    assert notice.current_amount == Decimal("887.34")
    assert "Total amount of the debt now: $887.34" in pdf_text(notice.document.read())
    assert facts.debt.validation_notice_sent_on == date(2026, 3, 2)
    assert facts.debt.validation_period_ends_on == date(2026, 4, 8)
    assert AuditEvent.objects.filter(event="compliance.validation_notice_provided").exists()


def test_notice_needs_an_itemization_date(make_account):
    account = make_account()

    with pytest.raises(ArrearsError) as err:
        validation_notice_content(account=account, provided_on=date(2026, 3, 2))

    assert err.value.code == "COMPLIANCE_NO_ITEMIZATION_DATE"


def test_debtor_time_zone_and_inconvenient_times_are_honoured(make_account, system):
    from arrears.debtors.models import Debtor

    account = make_account()
    debtor = primary_debtor(account)
    Debtor.objects.filter(pk=debtor.pk).update(
        timezone="America/Los_Angeles",
        inconvenient_times=[{"days": ["tue"], "start": "09:00", "end": "12:00"}],
    )

    early = decide(
        account=account, channel="call", target=phone_of(account), at=NOW, actor=system
    )  # 07:30 PDT
    window = decide(
        account=account, channel="call", target=phone_of(account), at=NOW + timedelta(hours=2), actor=system
    )  # 09:30 PDT, inside the consumer's window

    assert early.codes == ["INCONVENIENT_TIME"]
    assert early.next_allowed_at == datetime(2026, 3, 10, 15, tzinfo=UTC)  # 08:00 PDT
    assert window.codes == ["CONSUMER_INCONVENIENT_TIME"]
    assert window.next_allowed_at == datetime(2026, 3, 10, 19, tzinfo=UTC)  # 12:00 PDT


def test_invalid_stored_inconvenient_times_refuse_to_decide(make_account, system):
    from arrears.debtors.models import Debtor

    account = make_account()
    Debtor.objects.filter(pk=primary_debtor(account).pk).update(inconvenient_times=[{"start": "lunch"}])

    with pytest.raises(ArrearsError) as err:
        decide(account=account, channel="call", at=NOW, actor=system)

    assert err.value.code == "COMPLIANCE_INVALID_FACTS"
    assert "inconvenient_times[0].start" in err.value.message


def test_a_voicemail_does_not_start_the_validation_clock(make_account, system):
    account = make_account()
    contact_attempt_record(
        debtor=primary_debtor(account),
        channel="voicemail",
        direction="outbound",
        outcome="voicemail",
        accounts=[account],
        contact_point=phone_of(account),
        actor=system,
        at=datetime(2026, 3, 2, 15, tzinfo=UTC),
    )

    facts, _, _ = decision_facts(account=account, channel="letter", target=None, purpose="collection", at=NOW)

    assert facts.debt.first_communication_at is None
