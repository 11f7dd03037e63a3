"""What the nightly run does to money: deposits, notices and interest, through payments' services."""

from datetime import date
from decimal import Decimal

import pytest

from arrears.audit.models import AuditEvent
from arrears.ledger.models import LedgerEntry
from arrears.payments import services
from arrears.payments.choices import PaymentStatus, SplitRule
from arrears.payments.models import InterestAccrual
from arrears.payments.tests.money import assert_ledger_matches_cache, at, balances, post, usd
from arrears.strategies.models import NightlyRun
from arrears.strategies.services import nightly_run

D = Decimal


@pytest.fixture
def account(make_account):
    return make_account(principal=D("1000.00"), fees=D("50.00"), interest=D("25.00"))


@pytest.fixture
def interest_account(make_account):
    return make_account(
        principal=D("3650.00"),
        interest_rate=D("10"),
        itemization_date=date(2026, 1, 1),
        jurisdiction_state="NY",
    )


def test_post_dated_payment_waits_for_its_date_and_its_notice_is_recorded_once(org, system, account):
    # given
    payment = post(account, "100.00", system, "pd", day=date(2026, 12, 1), deposit_on=date(2026, 12, 21))
    assert payment.status == PaymentStatus.SCHEDULED
    assert (payment.notice_from, payment.notice_by) == (date(2026, 12, 7), date(2026, 12, 16))
    assert balances(account)["fees"] == D("50.00"), "nothing is deposited before the date"

    # when
    nightly_run(organization=org, run_on=date(2026, 12, 8), actor=system)
    nightly_run(organization=org, run_on=date(2026, 12, 9), actor=system)
    nightly_run(organization=org, run_on=date(2026, 12, 21), actor=system)

    # then
    payment.refresh_from_db()
    assert payment.notice_recorded_at is not None
    assert AuditEvent.objects.filter(event="payment.postdated_notice_due").count() == 1
    assert payment.status == PaymentStatus.POSTED and payment.received_on == date(2026, 12, 21)
    assert balances(account)["fees"] == D("0")
    assert_ledger_matches_cache(org)


def test_nightly_accrues_interest_once_per_date(org, system, interest_account):
    # when
    first = nightly_run(organization=org, run_on=date(2026, 1, 11), actor=system)
    second = nightly_run(organization=org, run_on=date(2026, 1, 11), actor=system)

    # then: 3650 × 10% × 10/365 = 10.00, posted once
    assert balances(interest_account)["interest"] == D("10.00")
    assert InterestAccrual.objects.filter(account=interest_account).count() == 1
    assert (first.counts["interest_postings"], second.counts["interest_postings"]) == (1, 0)
    assert NightlyRun.objects.get(run_on=date(2026, 1, 11)).status == "completed"
    assert_ledger_matches_cache(org)


def test_a_placed_balance_accrues_from_the_placement_not_the_itemization_date(org, system, make_account):
    """The creditor's file already charged interest up to the placement: accruing from the itemization
    date would charge January and February twice."""
    placed = make_account(
        principal=D("3650.00"),
        interest_rate=D("10"),
        itemization_date=date(2026, 1, 1),
        placed_on=date(2026, 3, 1),
    )
    placed_before = make_account(
        principal=D("3650.00"),
        interest_rate=D("10"),
        itemization_date=date(2026, 3, 1),
        placed_on=date(2026, 1, 1),
    )

    nightly_run(organization=org, run_on=date(2026, 3, 11), actor=system)

    # 10 days from 1 March on both: the later of the two dates
    assert balances(placed)["interest"] == balances(placed_before)["interest"] == D("10.00")
    marker = InterestAccrual.objects.get(account=placed)
    assert "2026-03-01..2026-03-11" in LedgerEntry.objects.get(account=placed, kind="interest").memo
    assert marker.through == date(2026, 3, 11)


def test_state_cap_applies_in_the_nightly_run(org, system, interest_account):
    from arrears.payments.models import InterestCap

    InterestCap.objects.create(organization=org, state="NY", max_rate=D("5"), citation="test cap")
    nightly_run(organization=org, run_on=date(2026, 1, 11), actor=system)
    assert balances(interest_account)["interest"] == D("5.00")


def test_holds_cap_or_stop_interest_and_keep_split_payments_off_disputed_accounts(org, system, make_account):
    # given
    from arrears.compliance.services import hold_place

    scra = make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))
    bankrupt = make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))
    disputed = make_account(principal=D("100.00"), opened_on=date(2019, 1, 1))
    other = make_account(principal=D("100.00"), opened_on=date(2020, 1, 1))
    hold_place(kind="scra", account=scra, actor=system, effective_on=date(2026, 1, 1))
    hold_place(kind="bankruptcy", account=bankrupt, actor=system, effective_on=date(2026, 1, 1))
    hold_place(kind="dispute", account=disputed, actor=system, effective_on=date(2026, 1, 1))

    # when
    nightly_run(organization=org, run_on=date(2026, 1, 11), actor=system)
    payments = services.payment_post_split(
        accounts=[disputed, other],
        amount=usd("50.00"),
        rule=SplitRule.OLDEST_FIRST,
        method="ach",
        received_at=at(date(2026, 1, 12)),
        actor=system,
        idempotency_key="split-hold",
    )

    # then
    assert balances(scra)["interest"] == D("6.00"), "SCRA 6% cap, 50 U.S.C. 3937"
    assert InterestAccrual.objects.get(account=scra).forgiven == D("4.00")
    assert balances(bankrupt)["interest"] == D("0"), "interest stops in bankruptcy, 11 U.S.C. 502(b)(2)"
    assert [p.account_id for p in payments] == [other.pk], "12 CFR 1006.30(c)"
