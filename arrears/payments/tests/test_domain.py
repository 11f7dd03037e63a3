"""Money-in rules without a database: tables with citations, and Hypothesis properties."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.ledger.choices import Bucket
from arrears.ledger.domain import ALLOCATION_ORDERS, OWED_BUCKETS, allocate
from arrears.payments import domain
from arrears.payments.choices import FeeKind, Frequency, PlanStatus, PromiseStatus, SplitRule
from arrears.payments.domain import (
    FeePolicy,
    PromiseTerms,
    RuleError,
    ScheduledInstallment,
    ShareInput,
)

D = Decimal
cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)
positive_cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: D(c) / 100)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
bases = st.sampled_from([domain.ACTUAL_365, domain.THIRTY_360])
rates = st.integers(min_value=0, max_value=3600).map(lambda r: D(r) / 100)

# --- payments ----------------------------------------------------------------------------------


@settings(max_examples=300)
@given(
    balances=st.fixed_dictionaries({b: cents for b in OWED_BUCKETS}),
    credit=cents,
    amount=positive_cents,
    order=st.sampled_from(sorted(ALLOCATION_ORDERS)),
)
def test_allocation_then_reversal_restores_every_bucket(balances, credit, amount, order):
    # given
    before = {**balances, Bucket.CREDIT: credit}

    # when
    postings = domain.payment_postings(allocate(amount, balances=before, order=ALLOCATION_ORDERS[order]))
    after = domain.apply_postings(before, postings)
    restored = domain.apply_postings(after, [(b, -a) for b, a in postings])

    # then
    assert restored == before
    assert all(after[b] >= 0 for b in OWED_BUCKETS), "a payment never drives an owed bucket negative"
    assert sum(-a for b, a in postings if b != Bucket.CREDIT) + (after[Bucket.CREDIT] - credit) == amount


def test_overpayment_becomes_credit_not_a_negative_bucket():
    # given
    balances = {Bucket.PRINCIPAL: D("100.00"), Bucket.FEES: D("10.00")}

    # when
    postings = domain.payment_postings(
        allocate(D("125.00"), balances=balances, order=ALLOCATION_ORDERS["fees_first"])
    )

    # then
    assert postings == [
        (Bucket.FEES, D("-10.00")),
        (Bucket.PRINCIPAL, D("-100.00")),
        (Bucket.CREDIT, D("15.00")),
    ]


@settings(max_examples=200)
@given(
    amount=positive_cents,
    owed=st.lists(cents, min_size=1, max_size=6),
    disputed=st.lists(st.booleans(), min_size=6, max_size=6),
    rule=st.sampled_from([SplitRule.OLDEST_FIRST, SplitRule.PROPORTIONAL]),
)
def test_split_sums_to_the_payment_and_skips_disputed_accounts(amount, owed, disputed, rule):
    # given
    accounts = [ShareInput(i + 1, o, disputed=disputed[i], opened_on=date(2020, 1, 1) + timedelta(days=i))
                for i, o in enumerate(owed)]  # fmt: skip
    if all(a.disputed for a in accounts):
        with pytest.raises(RuleError):
            domain.split_payment(amount, accounts, rule=rule, currency="USD")
        return

    # when
    shares = domain.split_payment(amount, accounts, rule=rule, currency="USD")

    # then
    assert sum(shares.values()) == amount
    assert all(shares[a.account_id] == 0 for a in accounts if a.disputed), "12 CFR 1006.30(c)"
    assert all(s >= 0 for s in shares.values())


def test_split_oldest_first_fills_the_oldest_account_then_credits_the_last():
    # given
    accounts = [
        ShareInput(1, D("50"), opened_on=date(2024, 1, 1)),
        ShareInput(2, D("30"), opened_on=date(2023, 1, 1)),
        ShareInput(3, D("999"), disputed=True, opened_on=date(2020, 1, 1)),
    ]

    # when
    shares = domain.split_payment(D("100"), accounts, rule=SplitRule.OLDEST_FIRST, currency="USD")

    # then
    assert shares == {2: D("30"), 1: D("70"), 3: D("0")}


@pytest.mark.parametrize(
    ("accepted", "deposit", "window"),
    [
        pytest.param(date(2026, 12, 1), date(2026, 12, 6), None, id="5-days-no-notice-1006.22(c)"),
        pytest.param(date(2026, 12, 1), date(2026, 12, 21), (date(2026, 12, 7), date(2026, 12, 16)),
                     id="20-days-window-10-to-3-business-days-1006.22(c)"),
        pytest.param(date(2026, 12, 14), date(2026, 12, 29), (date(2026, 12, 14), date(2026, 12, 23)),
                     id="christmas-is-not-a-business-day"),
    ],
)  # fmt: skip
def test_postdated_notice_window(accepted, deposit, window):
    assert domain.postdated_notice_window(accepted_on=accepted, deposit_on=deposit) == window


def test_postdated_notice_can_fall_on_the_day_the_payment_is_accepted():
    window = domain.postdated_notice_window(accepted_on=date(2026, 12, 23), deposit_on=date(2026, 12, 29))
    assert window == (date(2026, 12, 23), date(2026, 12, 23))


def test_postdated_payment_that_leaves_no_time_for_notice_is_refused():
    # Texas also closes on Christmas Eve and the day after Christmas: only 2 business days remain.
    with pytest.raises(RuleError):
        domain.postdated_notice_window(
            accepted_on=date(2026, 12, 23), deposit_on=date(2026, 12, 29), subdiv="TX"
        )


# --- plans -------------------------------------------------------------------------------------


@settings(max_examples=300)
@given(
    total=positive_cents,
    count=st.integers(min_value=1, max_value=60),
    frequency=st.sampled_from([Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.MONTHLY]),
    first=days,
)
def test_installments_sum_to_the_total_by_count(total, count, frequency, first):
    # given
    if total / count < D("0.01"):
        with pytest.raises(RuleError):
            domain.plan_schedule(
                total=total, currency="USD", frequency=frequency, first_due=first, count=count
            )
        return

    # when
    plan = domain.plan_schedule(
        total=total, currency="USD", frequency=frequency, first_due=first, count=count
    )

    # then
    assert sum(i.amount for i in plan) == total
    assert len(plan) == count
    assert all(i.amount == plan[0].amount for i in plan[:-1]), "the remainder goes on the last installment"
    assert plan[-1].amount >= plan[0].amount
    assert [i.due_on for i in plan] == sorted({i.due_on for i in plan})


@settings(max_examples=200)
@given(total=positive_cents, amount=positive_cents, first=days)
def test_installments_sum_to_the_total_by_amount(total, amount, first):
    # given
    if total / amount > 600:
        return

    # when
    plan = domain.plan_schedule(
        total=total, currency="USD", frequency=Frequency.WEEKLY, first_due=first, amount=amount
    )

    # then
    assert sum(i.amount for i in plan) == total
    assert all(i.amount == amount for i in plan[:-1])
    assert 0 < plan[-1].amount <= amount


@settings(max_examples=100)
@given(
    total=st.integers(min_value=1, max_value=10_000_000).map(D), count=st.integers(min_value=1, max_value=12)
)
def test_installments_in_a_zero_decimal_currency_are_whole_units(total, count):
    if total < count:
        return
    plan = domain.plan_schedule(total=total, currency="JPY", frequency=Frequency.MONTHLY,
                                first_due=date(2026, 1, 31), count=count)  # fmt: skip
    assert sum(i.amount for i in plan) == total
    assert all(i.amount == i.amount.to_integral_value() for i in plan)


def test_monthly_schedule_keeps_the_day_and_clamps_to_month_end():
    plan = domain.plan_schedule(total=D("600.00"), currency="USD", frequency=Frequency.MONTHLY,
                                first_due=date(2026, 1, 31), count=4)  # fmt: skip
    assert [i.due_on for i in plan] == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
    ]


def test_six_monthly_installments_of_1000_put_the_remainder_last():
    plan = domain.plan_schedule(total=D("1000.00"), currency="USD", frequency=Frequency.MONTHLY,
                                first_due=date(2026, 12, 1), count=6)  # fmt: skip
    assert [i.amount for i in plan] == [D("166.66")] * 5 + [D("166.70")]


def test_custom_schedule_needs_ordered_distinct_dates():
    with pytest.raises(RuleError):
        domain.plan_schedule(total=D("10"), currency="USD", frequency=Frequency.CUSTOM,
                             dates=[date(2026, 2, 1), date(2026, 1, 1)], count=2)  # fmt: skip


def _inst(*amounts, start=date(2026, 1, 1)):
    return [ScheduledInstallment(i + 1, start + timedelta(days=30 * i), D(a)) for i, a in enumerate(amounts)]


@pytest.mark.parametrize(
    ("paid", "today", "status", "missed"),
    [
        ("0", date(2026, 1, 4), PlanStatus.ACTIVE, ()),  # within the 3-day grace
        ("0", date(2026, 1, 5), PlanStatus.DELINQUENT, (1,)),
        ("100", date(2026, 2, 5), PlanStatus.DELINQUENT, (2,)),
        ("50", date(2026, 2, 5), PlanStatus.BROKEN, (1, 2)),
        ("300", date(2026, 1, 1), PlanStatus.COMPLETED, ()),
    ],
)
def test_plan_standing(paid, today, status, missed):
    standing = domain.plan_standing(installments=_inst("100", "100", "100"), paid_total=D(paid), today=today,
                                    grace_days=3, delinquent_after=1, broken_after=2)  # fmt: skip
    assert (standing.status, standing.missed) == (status, missed)


# --- promises ----------------------------------------------------------------------------------

payments_st = st.lists(st.tuples(days, positive_cents), max_size=6)


@settings(max_examples=300)
@given(amount=positive_cents, made=days, lead=st.integers(0, 60), grace=st.integers(0, 10),
       payments=payments_st, today=days)  # fmt: skip
def test_promise_status_follows_from_payments_and_dates(amount, made, lead, grace, payments, today):
    # given
    terms = PromiseTerms(amount=amount, made_on=made, due_on=made + timedelta(days=lead), grace_days=grace)
    deadline = terms.due_on + timedelta(days=grace)
    counted = sum((a for d, a in payments if made <= d <= min(deadline, today)), D(0))

    # when
    status = domain.promise_status(terms, payments, today=today)

    # then
    if counted >= amount:
        assert status == PromiseStatus.KEPT
    elif today > deadline:
        assert status == PromiseStatus.BROKEN
    else:
        assert status == PromiseStatus.PENDING
    assert domain.promise_status(terms, list(reversed(payments)), today=today) == status, (
        "order does not matter"
    )
    late = [*payments, (deadline + timedelta(days=1), amount)]
    assert domain.promise_status(terms, late, today=today) == status, (
        "a payment after the deadline does not count"
    )
    if status == PromiseStatus.KEPT:
        assert (
            domain.promise_status(terms, payments, today=max(today, deadline) + timedelta(days=30)) == status
        )
    assert domain.promise_status(terms, payments, today=today, cancelled=True) == PromiseStatus.CANCELLED


# --- interest and fees -------------------------------------------------------------------------


@settings(max_examples=300)
@given(principal=cents, rate=rates, basis=bases, start=days, first=st.integers(0, 400),
       second=st.integers(0, 400), scra=st.booleans())  # fmt: skip
def test_interest_is_additive_over_split_periods(principal, rate, basis, start, first, second, scra):
    # given
    mid, end = start + timedelta(days=first), start + timedelta(days=first + second)

    def accrue(a, b):
        return domain.interest_accrue(segments=[(a, b, principal)], contract_rate=rate, basis=basis,
                                      currency="USD", scra_active=scra).amount  # fmt: skip

    # when
    split = accrue(start, mid) + accrue(mid, end)
    whole = accrue(start, end)

    # then
    assert abs(split - whole) <= 2 * D("0.01"), "within one rounding unit per posting"


@settings(max_examples=200)
@given(start=days, cuts=st.lists(st.integers(0, 90), min_size=1, max_size=5), basis=bases)
def test_day_counts_are_additive(start, cuts, basis):
    points = [start]
    for c in cuts:
        points.append(points[-1] + timedelta(days=c))
    parts = sum(domain.day_count(a, b, basis) for a, b in zip(points, points[1:], strict=False))
    assert parts == domain.day_count(points[0], points[-1], basis)


@pytest.mark.parametrize(
    ("start", "end", "basis", "days"),
    [
        (date(2026, 1, 1), date(2027, 1, 1), domain.ACTUAL_365, 365),
        (date(2028, 1, 1), date(2029, 1, 1), domain.ACTUAL_365, 366),
        (date(2026, 1, 1), date(2027, 1, 1), domain.THIRTY_360, 360),
        (date(2026, 1, 31), date(2026, 2, 28), domain.THIRTY_360, 28),
        (date(2026, 2, 28), date(2026, 3, 1), domain.THIRTY_360, 3),
        (date(2026, 1, 15), date(2026, 1, 31), domain.THIRTY_360, 15),
    ],
)
def test_day_count(start, end, basis, days):
    assert domain.day_count(start, end, basis) == days


@pytest.mark.parametrize(
    ("rate", "state_cap", "scra", "amount", "forgiven"),
    [
        pytest.param("18", None, False, "180.00", "0", id="contract-rate"),
        pytest.param("18", "16", False, "160.00", "0", id="state-cap"),
        pytest.param("18", None, True, "60.00", "120.00", id="scra-6pct-excess-forgiven-50-USC-3937"),
        pytest.param("4", None, True, "40.00", "0", id="scra-below-cap"),
    ],
)
def test_interest_caps(rate, state_cap, scra, amount, forgiven):
    # when
    accrual = domain.interest_accrue(
        segments=[(date(2026, 1, 1), date(2027, 1, 1), D("1000.00"))], contract_rate=D(rate),
        basis=domain.ACTUAL_365, currency="USD", state_cap=D(state_cap) if state_cap else None,
        scra_active=scra,
    )  # fmt: skip

    # then
    assert (accrual.amount, accrual.forgiven) == (D(amount), D(forgiven))


def test_interest_follows_principal_changes():
    # given: 1000 for 10 days, then 500 for 20 days, at 36.5% actual/365 (0.1% a day)
    segments = domain.principal_segments(start=date(2026, 1, 1), end=date(2026, 1, 31), opening=D("1000"),
                                         changes=[(date(2026, 1, 11), D("-500"))])  # fmt: skip

    # when
    accrual = domain.interest_accrue(segments=segments, contract_rate=D("36.5"), basis=domain.ACTUAL_365,
                                     currency="USD")  # fmt: skip

    # then
    assert accrual.amount == D("10.00") + D("10.00")


@pytest.mark.parametrize(
    ("policy", "base", "fee"),
    [
        (FeePolicy(FeeKind.FLAT, D("25")), D("100"), D("25.00")),
        (FeePolicy(FeeKind.PERCENT, D("5")), D("100"), D("5.00")),
        (FeePolicy(FeeKind.PERCENT, D("5"), cap=D("15")), D("1000"), D("15.00")),
        (FeePolicy(FeeKind.FLAT, D("40"), cap=D("30")), D("1000"), D("30.00")),
    ],
)
def test_late_fee(policy, base, fee):
    assert domain.late_fee(policy, base=base, currency="USD") == fee


# --- settlements and currencies ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("discount", "role"),
    [("10", "collector"), ("20", "collector"), ("20.01", "manager"), ("40", "manager"), ("55", "admin")],
)
def test_settlement_approval_limits_per_role(discount, role):
    assert domain.settlement_required_role(D(discount)) == role
    assert domain.settlement_may_approve(role, D(discount))
    assert domain.settlement_may_approve("admin", D(discount))


def test_settlement_discount():
    assert domain.settlement_discount_pct(balance=D("1000.00"), amount=D("650.00")) == D("35.00")
    with pytest.raises(RuleError):
        domain.settlement_discount_pct(balance=D("100"), amount=D("150"))


def test_convert_rounds_to_the_target_currency():
    converted = domain.convert(domain.Money(D("100.00"), "EUR"), to="JPY", rate=D("162.345"))
    assert converted == domain.Money(D("16235"), "JPY")
