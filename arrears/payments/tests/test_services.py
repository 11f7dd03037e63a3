"""Money-in services against the database (SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

from arrears.accounts.choices import AccountStatus
from arrears.accounts.models import Account
from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError, Conflict, NotFound, PermissionDenied
from arrears.core.money import Money
from arrears.ledger.choices import Bucket
from arrears.ledger.selectors import ledger_balances
from arrears.payments import services
from arrears.payments.choices import (
    InstallmentStatus,
    PaymentStatus,
    PlanStatus,
    PromiseStatus,
    SettlementStatus,
    SplitRule,
)
from arrears.payments.domain import FeePolicy
from arrears.payments.errors import PaymentError, PlanError, SettlementError
from arrears.payments.models import Payment
from arrears.payments.services import MoneyFacts, PlanTerms
from arrears.payments.tasks import accounts_reconcile_task
from arrears.payments.tests.money import USD, assert_ledger_matches_cache, at, balances, post, usd
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

D = Decimal


@pytest.fixture
def account(make_account):
    return make_account(principal=D("1000.00"), fees=D("50.00"), interest=D("25.00"))


# --- payments ----------------------------------------------------------------------------------


def test_payment_allocates_by_the_waterfall_and_writes_the_ledger(org, system, account):
    # when
    payment = post(account, "125.00", system, "k-1")

    # then
    assert payment.status == PaymentStatus.POSTED
    assert balances(account) == {
        "principal": D("950"),
        "interest": D("0"),
        "fees": D("0"),
        "costs": D("0"),
        "credit": D("0"),
    }
    assert ledger_balances(account=account)[Bucket.PRINCIPAL] == D("950")
    assert account.last_payment_amount == D("125") and account.last_payment_on == date(2026, 12, 1)
    assert AuditEvent.objects.filter(event="payment.posted", account_id=account.pk).count() == 1
    assert_ledger_matches_cache(org)


def test_a_retry_with_the_same_key_returns_the_first_payment(org, system, account):
    # given
    first = post(account, "100.00", system, "same")

    # when
    again = post(account, "100.00", system, "same")

    # then
    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert balances(account)["fees"] == D("0") and balances(account)["interest"] == D("0")
    assert balances(account)["principal"] == D("1000") - D("25")


def test_a_key_reused_for_a_different_payment_is_refused(system, account):
    # given
    post(account, "100.00", system, "same")

    # when / then
    with pytest.raises(Conflict) as exc:
        post(account, "99.00", system, "same")
    assert exc.value.code == PaymentError.IDEMPOTENCY_KEY_REUSED


def test_overpayment_becomes_a_credit_and_the_account_is_paid(org, system, account):
    # when
    post(account, "1100.00", system, "big")

    # then
    account.refresh_from_db()
    assert account.balance_total == 0
    assert account.balance_credit == D("25.00")
    assert account.status == AccountStatus.PAID
    assert_ledger_matches_cache(org)


def test_reversal_restores_the_exact_allocation_and_charges_the_fee(org, system, account):
    # given
    before = balances(account)
    payment = post(account, "1100.00", system, "nsf")

    # when
    services.payment_reverse(payment=payment, reason="nsf", actor=system, fee=usd("25.00"))

    # then
    after = balances(account)
    assert after == {**before, "fees": before["fees"] + D("25.00")}
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REVERSED and payment.reversal_reason == "nsf"
    assert Account.objects.get(pk=account.pk).status == AccountStatus.ACTIVE, "a paid account reopens"
    assert_ledger_matches_cache(org)
    with pytest.raises(Conflict):
        services.payment_reverse(payment=payment, reason="nsf", actor=system)


def test_another_tenants_account_is_not_found(other_org, account):
    # given
    stranger = Principal(organization_id=other_org.pk, role=Role.ADMIN, label="other")

    # when / then
    with pytest.raises(NotFound):
        post(account, "10.00", stranger, "x")


def test_a_payment_in_another_currency_needs_a_rate_and_is_converted(system, account):
    # given
    eur = Money.of("100.00", "EUR")
    with pytest.raises(ArrearsError) as exc:
        services.payment_post(
            account=account,
            amount=eur,
            method="card",
            received_at=at(date(2026, 12, 1)),
            actor=system,
            idempotency_key="fx",
        )
    assert exc.value.code == PaymentError.NO_EXCHANGE_RATE
    services.exchange_rate_set(
        organization_id=account.organization_id,
        base="USD",
        quote="EUR",
        rate=D("0.8"),
        on=date(2026, 11, 30),
        source="ECB",
        actor=system,
    )

    # when
    payment = services.payment_post(
        account=account,
        amount=eur,
        method="card",
        received_at=at(date(2026, 12, 1)),
        actor=system,
        idempotency_key="fx",
    )

    # then: the only rate is USD→EUR 0.8, so 100 EUR is 125 USD
    assert (payment.amount, payment.currency) == (D("125.00"), USD)
    assert (payment.original_amount, payment.original_currency, payment.fx_rate_on) == (
        D("100.00"),
        "EUR",
        date(2026, 11, 30),
    )


def test_split_payment_skips_the_disputed_account(org, system, make_account):
    # given
    a = make_account(principal=D("100.00"), opened_on=date(2020, 1, 1))
    b = make_account(principal=D("300.00"), opened_on=date(2021, 1, 1))
    disputed = make_account(principal=D("500.00"), opened_on=date(2019, 1, 1), status=AccountStatus.DISPUTED)

    # when
    payments = services.payment_post_split(
        accounts=[a, b, disputed],
        amount=usd("250.00"),
        rule=SplitRule.OLDEST_FIRST,
        method="check",
        received_at=at(date(2026, 12, 1)),
        actor=system,
        idempotency_key="remit-1",
    )
    again = services.payment_post_split(
        accounts=[a, b, disputed],
        amount=usd("250.00"),
        rule=SplitRule.OLDEST_FIRST,
        method="check",
        received_at=at(date(2026, 12, 1)),
        actor=system,
        idempotency_key="remit-1",
    )

    # then
    assert {p.account_id: p.amount for p in payments} == {a.pk: D("100.00"), b.pk: D("150.00")}
    assert sorted(p.pk for p in again) == sorted(p.pk for p in payments)
    assert balances(disputed)["principal"] == D("500.00"), "12 CFR 1006.30(c)"


# --- promises ----------------------------------------------------------------------------------


def test_promise_is_kept_by_payments_and_the_account_follows(org, system, account):
    # given
    promise = services.promise_create(
        account=account, amount=usd("50.00"), due_on=date(2026, 12, 5), actor=system, today=date(2026, 12, 1)
    )
    assert Account.objects.get(pk=account.pk).status == AccountStatus.PROMISED

    # when
    post(account, "30.00", system, "p1", day=date(2026, 12, 2))
    post(account, "20.00", system, "p2", day=date(2026, 12, 5))
    with time_machine.travel(datetime(2026, 12, 5, 18, tzinfo=UTC), tick=False):
        accounts_reconcile_task.call(organization_id=org.pk, account_ids=[account.pk])

    # then
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.KEPT
    assert Account.objects.get(pk=account.pk).status == AccountStatus.ACTIVE
    assert AuditEvent.objects.filter(event="promise.kept", subject_id=str(promise.pk)).exists()


def test_promise_is_broken_after_its_grace_period_and_a_reversal_undoes_kept(org, system, account):
    # given
    broken = services.promise_create(
        account=account,
        amount=usd("50.00"),
        due_on=date(2026, 12, 5),
        grace_days=2,
        actor=system,
        today=date(2026, 12, 1),
    )

    # when
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 7), actor=system)
    broken.refresh_from_db()
    status_in_grace = broken.status
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 8), actor=system)

    # then
    broken.refresh_from_db()
    assert (status_in_grace, broken.status) == (PromiseStatus.PENDING, PromiseStatus.BROKEN)

    # given a kept promise whose payment bounces
    kept = services.promise_create(
        account=account,
        amount=usd("10.00"),
        due_on=date(2026, 12, 20),
        actor=system,
        today=date(2026, 12, 10),
    )
    payment = post(account, "10.00", system, "bounce", day=date(2026, 12, 11))
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 11), actor=system)
    kept.refresh_from_db()
    assert kept.status == PromiseStatus.KEPT

    # when
    services.payment_reverse(payment=payment, reason="nsf", actor=system, on=date(2026, 12, 12))
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 12), actor=system)

    # then
    kept.refresh_from_db()
    assert kept.status == PromiseStatus.PENDING


def test_promise_cancel(system, account):
    promise = services.promise_create(
        account=account, amount=usd("50.00"), due_on=date(2026, 12, 5), actor=system, today=date(2026, 12, 1)
    )
    services.promise_cancel(promise=promise, actor=system, reason="debtor withdrew")
    promise.refresh_from_db()
    assert promise.status == PromiseStatus.CANCELLED
    assert Account.objects.get(pk=account.pk).status == AccountStatus.ACTIVE


# --- plans -------------------------------------------------------------------------------------


def test_plan_schedule_confirmation_and_status(org, system, account):
    # given
    terms = PlanTerms(
        frequency="monthly",
        first_due=date(2026, 12, 1),
        installments=6,
        grace_days=3,
        broken_after=2,
        late_fee=FeePolicy("flat", D("15.00")),
    )

    # when
    plan = services.plan_create(account=account, terms=terms, actor=system, today=date(2026, 11, 23))

    # then
    installments = list(plan.installments.order_by("seq"))
    assert sum(i.amount for i in installments) == plan.total == D("1075.00")
    assert [i.amount for i in installments] == [D("179.16")] * 5 + [D("179.20")]
    assert plan.confirmation_due_on == date(2026, 11, 28), "within 5 days (23 NYCRR 1.5)"
    assert "1,075.00 USD in 6 installments" in plan.confirmation_text
    assert Account.objects.get(pk=account.pk).status == AccountStatus.ON_PLAN
    with pytest.raises(Conflict) as exc:
        services.plan_create(account=account, terms=terms, actor=system, today=date(2026, 11, 23))
    assert exc.value.code == PlanError.ACTIVE_PLAN_EXISTS

    # when the first installment is missed past grace, twice evaluated
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 5), actor=system)
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 6), actor=system)

    # then: delinquent, one late fee only
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DELINQUENT
    assert plan.installments.get(seq=1).status == InstallmentStatus.MISSED
    assert balances(account)["fees"] == D("65.00")

    # when the second is missed too
    services.account_reconcile(account_id=account.pk, today=date(2027, 1, 5), actor=system)

    # then
    plan.refresh_from_db()
    assert plan.status == PlanStatus.BROKEN
    assert Account.objects.get(pk=account.pk).status == AccountStatus.ACTIVE
    assert_ledger_matches_cache(org)


def test_plan_completes_when_paid(system, account):
    terms = PlanTerms(frequency="weekly", first_due=date(2026, 12, 1), installment_amount=D("500.00"))
    plan = services.plan_create(account=account, terms=terms, actor=system, today=date(2026, 11, 30))
    assert [i.amount for i in plan.installments.order_by("seq")] == [D("500.00"), D("500.00"), D("75.00")]
    post(account, "1075.00", system, "all", day=date(2026, 12, 1))
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 1), actor=system)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.COMPLETED


# --- settlements -------------------------------------------------------------------------------


def test_settlement_approval_limits_and_completion_write_off(org, system, account):
    # given: balance 1075.00
    collector = Principal(organization_id=org.pk, role=Role.COLLECTOR, label="col")
    manager = Principal(organization_id=org.pk, role=Role.MANAGER, label="mgr")
    small = services.settlement_offer(
        account=account,
        amount=usd("900.00"),
        expires_on=date(2026, 12, 31),
        actor=collector,
        today=date(2026, 12, 1),
    )
    assert (small.status, small.discount_pct, small.required_role) == (
        SettlementStatus.APPROVED,
        D("16.28"),
        "collector",
    )

    # when a collector offers 30% off
    big = services.settlement_offer(
        account=account,
        amount=usd("752.50"),
        expires_on=date(2026, 12, 31),
        actor=collector,
        today=date(2026, 12, 1),
    )

    # then it waits for a manager
    assert (big.status, big.required_role) == (SettlementStatus.PENDING_APPROVAL, "manager")
    with pytest.raises(PermissionDenied) as exc:
        services.settlement_approve(settlement=big, actor=collector)
    assert exc.value.code == SettlementError.APPROVAL_LIMIT
    services.settlement_approve(settlement=big, actor=manager)

    # when the settled amount is paid
    post(account, "752.50", system, "settle", day=date(2026, 12, 2))
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 2), actor=system)

    # then the remainder is written off with the reason and the account is settled
    big.refresh_from_db()
    assert big.status == SettlementStatus.COMPLETED
    assert big.write_off_reason == f"settlement {big.pk}: 30.00% discount agreed, 752.50 USD paid"
    account.refresh_from_db()
    assert account.balance_total == 0 and account.status == AccountStatus.SETTLED
    assert_ledger_matches_cache(org)


def test_settlement_expires(system, account):
    offer = services.settlement_offer(
        account=account,
        amount=usd("1000.00"),
        expires_on=date(2026, 12, 10),
        actor=system,
        today=date(2026, 12, 1),
    )
    services.account_reconcile(account_id=account.pk, today=date(2026, 12, 11), actor=system)
    offer.refresh_from_db()
    assert offer.status == SettlementStatus.EXPIRED


# --- interest ----------------------------------------------------------------------------------


@pytest.fixture
def interest_account(make_account):
    return make_account(
        principal=D("3650.00"),
        interest_rate=D("10"),
        itemization_date=date(2026, 1, 1),
        jurisdiction_state="NY",
    )


def test_interest_split_over_runs_equals_one_run_and_follows_payments(
    org, system, interest_account, make_account
):
    # given a twin account accrued in one go
    twin = make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))
    for acc in (interest_account, twin):
        post(acc, "1825.00", system, f"half-{acc.pk}", day=date(2026, 1, 6))

    # when
    services.interest_accrue(account=interest_account, through=date(2026, 1, 11), actor=system)
    services.interest_accrue(account=interest_account, through=date(2026, 1, 21), actor=system)
    services.interest_accrue(account=twin, through=date(2026, 1, 21), actor=system)

    # then: 5 days on 3650 and 15 days on 1825 (the payment went to principal)
    assert balances(interest_account)["interest"] == balances(twin)["interest"] == D("5.00") + D("7.50")


def test_scra_caps_interest_at_6pct_and_forgives_the_excess(system, interest_account):
    # when
    marker = services.interest_accrue(
        account=interest_account, through=date(2026, 1, 11), actor=system, facts=MoneyFacts(scra_active=True)
    )

    # then
    assert (marker.amount, marker.forgiven, marker.rate) == (D("6.00"), D("4.00"), D("6"))
    assert balances(interest_account)["interest"] == D("6.00")


def test_interest_stops_on_a_hold_without_catching_up(system, interest_account):
    services.interest_accrue(
        account=interest_account,
        through=date(2026, 1, 11),
        actor=system,
        facts=MoneyFacts(interest_suspended=True),
    )
    services.interest_accrue(account=interest_account, through=date(2026, 1, 21), actor=system)
    assert balances(interest_account)["interest"] == D("10.00"), "only the 10 days after the hold"


# --- reports in the home currency --------------------------------------------------------------


def test_collections_report_converts_at_the_report_date_and_says_so(org, system, make_account):
    # given a USD organization with a EUR account and rates on two dates
    from arrears.payments.selectors import collections_in_home_currency

    eur_account = make_account(principal=D("1000.00"), currency="EUR")
    usd_account = make_account(principal=D("1000.00"))
    services.payment_post(
        account=eur_account,
        amount=Money.of("100.00", "EUR"),
        method="bank_transfer",
        received_at=at(date(2026, 12, 1)),
        actor=system,
        idempotency_key="eur",
    )
    post(usd_account, "50.00", system, "usd")
    for on, rate in ((date(2026, 11, 30), D("1.05")), (date(2026, 12, 30), D("1.10"))):
        services.exchange_rate_set(
            organization_id=org.pk, base="EUR", quote="USD", rate=rate, on=on, source="ECB", actor=system
        )

    # when
    report = collections_in_home_currency(
        principal=system,
        received_from=date(2026, 12, 1),
        received_to=date(2026, 12, 31),
        report_on=date(2026, 12, 31),
    )

    # then: 100 EUR at the rate of 12-30 (the latest on or before 12-31) plus 50 USD
    assert report["by_currency"] == {"EUR": "100.00", "USD": "50.00"}
    assert report["total_in_home_currency"] == "160.00"
    assert report["rates"] == [
        {"from": "EUR", "to": "USD", "rate": "1.1000000000", "on": "2026-12-30", "source": "ECB"}
    ]
    assert "at the rates of 2026-12-31" in report["note"]
