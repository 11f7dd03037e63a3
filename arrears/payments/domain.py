"""Money-in rules: payment postings, schedules, interest, fees, promises, plans, settlements, FX.

Pure: no ORM, no clock, no I/O. Dates and `today` are parameters; amounts are Decimal in one
currency and are rounded only through `arrears.core.money.quantize`.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

from arrears.core.clock import is_business_day
from arrears.core.money import Money, bankers, quantize
from arrears.ledger.choices import Bucket
from arrears.ledger.domain import Allocation

from .choices import FeeKind, Frequency, PlanStatus, PromiseStatus, SplitRule

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class RuleError(ValueError):
    """Input that a money-in rule cannot accept; services turn it into an ArrearsError."""


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------


def payment_postings(allocation: Allocation) -> list[tuple[str, Decimal]]:
    """Ledger effects of a payment: each applied amount reduces its bucket; the rest is a credit.

    Overpayment becomes a credit balance, never a negative owed bucket.
    """
    postings = [(bucket, -amount) for bucket, amount in allocation.applied.items() if amount > 0]
    if allocation.unapplied > 0:
        postings.append((Bucket.CREDIT, allocation.unapplied))
    return postings


def apply_postings(
    balances: Mapping[str, Decimal], postings: Sequence[tuple[str, Decimal]]
) -> dict[str, Decimal]:
    result = dict(balances)
    for bucket, amount in postings:
        result[bucket] = result.get(bucket, ZERO) + amount
    return result


@dataclass(frozen=True, slots=True)
class ShareInput:
    """One account a multi-account payment may go to."""

    account_id: int
    owed: Decimal
    disputed: bool = False
    opened_on: date | None = None
    stated: Decimal | None = None


def split_payment(
    amount: Decimal, accounts: Sequence[ShareInput], *, rule: str, currency: str
) -> dict[int, Decimal]:
    """Split one payment over several accounts of the same currency by a stated rule.

    A disputed account receives nothing (Reg F 12 CFR 1006.30(c)). Whatever exceeds what the
    eligible accounts owe goes to the last eligible account, where it becomes a credit balance.
    """
    eligible = [a for a in accounts if not a.disputed]
    if not eligible:
        raise RuleError("every account named is disputed: the payment cannot be applied to any of them")
    if amount <= 0:
        raise RuleError("a payment must be positive")
    shares: dict[int, Decimal] = {a.account_id: ZERO for a in accounts}
    if rule == SplitRule.STATED:
        if any(a.stated is None or a.stated < 0 for a in eligible):
            raise RuleError("the stated rule needs a non-negative amount for every account")
        stated_total = sum((a.stated or ZERO for a in eligible), ZERO)
        if stated_total != amount:
            raise RuleError(f"stated amounts sum to {stated_total}, not to the payment {amount}")
        for a in eligible:
            shares[a.account_id] = a.stated or ZERO
        return shares
    if rule == SplitRule.OLDEST_FIRST:
        ordered = sorted(eligible, key=lambda a: (a.opened_on or date.max, a.account_id))
        remaining = amount
        for a in ordered:
            take = min(max(a.owed, ZERO), remaining)
            shares[a.account_id] = take
            remaining -= take
        shares[ordered[-1].account_id] += remaining
        return shares
    if rule == SplitRule.PROPORTIONAL:
        owed_total = sum((max(a.owed, ZERO) for a in eligible), ZERO)
        ordered = sorted(eligible, key=lambda a: a.account_id)
        if owed_total == 0:
            shares[ordered[-1].account_id] = amount
            return shares
        applied = min(amount, owed_total)
        given = ZERO
        for a in ordered[:-1]:
            share = quantize(applied * max(a.owed, ZERO) / owed_total, currency, rounding=ROUND_DOWN)
            shares[a.account_id] = share
            given += share
        shares[ordered[-1].account_id] = amount - given
        return shares
    raise RuleError(f"unknown split rule {rule!r}")


def postdated_notice_window(
    *, accepted_on: date, deposit_on: date, country: str = "US", subdiv: str | None = None
) -> tuple[date, date] | None:
    """When to notify of a deposit post-dated by more than 5 days (Reg F 12 CFR 1006.22(c)).

    Notice must be given not more than 10 nor less than 3 business days before the deposit.
    Returns the window (first day, last day), or None when no notice is required.
    """
    if (deposit_on - accepted_on).days <= 5:
        return None
    earliest = subtract_business_days(deposit_on, 10, country=country, subdiv=subdiv)
    latest = subtract_business_days(deposit_on, 3, country=country, subdiv=subdiv)
    if latest < accepted_on:
        raise RuleError(
            f"a deposit on {deposit_on} leaves no time for the 3-business-day notice (last day {latest})"
        )
    return max(earliest, accepted_on), latest


def subtract_business_days(day: date, count: int, *, country: str = "US", subdiv: str | None = None) -> date:
    current = day
    remaining = count
    while remaining > 0:
        current -= timedelta(days=1)
        if is_business_day(current, country=country, subdiv=subdiv):
            remaining -= 1
    return current


# ---------------------------------------------------------------------------------------------
# Payment plans
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScheduledInstallment:
    seq: int
    due_on: date
    amount: Decimal


def add_months(day: date, months: int, *, anchor_day: int) -> date:
    """`day` moved by `months`, on `anchor_day` clamped to the month's end (Jan 31 → Feb 28 → Mar 31)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(anchor_day, calendar.monthrange(year, month)[1]))


def schedule_dates(*, frequency: str, first_due: date, count: int) -> list[date]:
    if frequency == Frequency.WEEKLY:
        return [first_due + timedelta(weeks=i) for i in range(count)]
    if frequency == Frequency.BIWEEKLY:
        return [first_due + timedelta(weeks=2 * i) for i in range(count)]
    if frequency == Frequency.MONTHLY:
        return [add_months(first_due, i, anchor_day=first_due.day) for i in range(count)]
    raise RuleError(f"frequency {frequency!r} needs explicit dates")


def plan_schedule(
    *,
    total: Decimal,
    currency: str,
    frequency: str,
    first_due: date | None = None,
    count: int | None = None,
    amount: Decimal | None = None,
    dates: Sequence[date] | None = None,
) -> list[ScheduledInstallment]:
    """Installments for `total`: give the number of installments or the installment amount.

    Regular installments are rounded down to the currency's unit and the remainder goes on the
    last one, so the installments always sum to the total.
    """
    if total <= 0 or quantize(total, currency) != total:
        raise RuleError(f"the plan total must be a positive amount in {currency} units")
    if frequency == Frequency.CUSTOM:
        if not dates:
            raise RuleError("a custom schedule needs its due dates")
        if list(dates) != sorted(set(dates)):
            raise RuleError("custom due dates must be distinct and in order")
        if count is not None and count != len(dates):
            raise RuleError("the number of installments must match the number of dates")
        count = len(dates) if amount is None else count
    if (count is None) == (amount is None):
        raise RuleError("give either the number of installments or the installment amount")
    if amount is not None:
        if amount <= 0 or quantize(amount, currency) != amount:
            raise RuleError(f"the installment amount must be a positive amount in {currency} units")
        full, rest = divmod(total, amount)
        count = int(full) + (1 if rest else 0)
        if frequency == Frequency.CUSTOM and dates is not None and count != len(dates):
            raise RuleError(f"{count} installments of {amount} do not fit {len(dates)} dates")
        regular = amount
    else:
        assert count is not None
        if count < 1:
            raise RuleError("a plan needs at least one installment")
        regular = quantize(total / count, currency, rounding=ROUND_DOWN)
        if regular <= 0:
            raise RuleError(f"{total} {currency} cannot be split into {count} installments")
    if frequency == Frequency.CUSTOM:
        assert dates is not None
        due = list(dates)
    else:
        if first_due is None:
            raise RuleError("a schedule needs its first due date")
        due = schedule_dates(frequency=frequency, first_due=first_due, count=count)
    amounts = [regular] * (count - 1) + [total - regular * (count - 1)]
    return [ScheduledInstallment(i + 1, d, a) for i, (d, a) in enumerate(zip(due, amounts, strict=True))]


@dataclass(frozen=True, slots=True)
class PlanStanding:
    status: str
    missed: tuple[int, ...]
    paid: tuple[int, ...]


def plan_standing(
    *,
    installments: Sequence[ScheduledInstallment],
    paid_total: Decimal,
    today: date,
    grace_days: int,
    delinquent_after: int = 1,
    broken_after: int = 2,
) -> PlanStanding:
    """Where a plan stands: payments fill installments in order.

    An installment is missed once its due date plus the grace period has passed and the payments
    so far do not cover it and every earlier one. `delinquent_after` missed installments make the
    plan delinquent, `broken_after` make it broken.
    """
    cumulative = ZERO
    missed: list[int] = []
    paid: list[int] = []
    for inst in installments:
        cumulative += inst.amount
        if paid_total >= cumulative:
            paid.append(inst.seq)
        elif today > inst.due_on + timedelta(days=grace_days):
            missed.append(inst.seq)
    if paid_total >= cumulative:
        status = PlanStatus.COMPLETED
    elif len(missed) >= broken_after:
        status = PlanStatus.BROKEN
    elif len(missed) >= delinquent_after:
        status = PlanStatus.DELINQUENT
    else:
        status = PlanStatus.ACTIVE
    return PlanStanding(status, tuple(missed), tuple(paid))


# NY 23 NYCRR 1.5: the written confirmation of a payment schedule goes out within 5 days. Counted
# in calendar days, the earlier reading, so the deadline holds whichever way days are counted.
PLAN_CONFIRMATION_DAYS = 5


def plan_confirmation_due(made_on: date) -> date:
    return made_on + timedelta(days=PLAN_CONFIRMATION_DAYS)


def plan_confirmation_text(
    *, reference: str, installments: Sequence[ScheduledInstallment], currency: str, creditor: str
) -> str:
    """The text of a plan's written confirmation (NY 23 NYCRR 1.5)."""
    total = sum((i.amount for i in installments), ZERO)
    lines = [
        f"Payment plan confirmation for account {reference}",
        f"Creditor: {creditor}" if creditor else "",
        f"You agreed to pay {Money(total, currency)} in {len(installments)} installments:",
        *(f"  {i.seq:>3}. {i.due_on.isoformat()}  {Money(i.amount, currency)}" for i in installments),
        "Keep this letter for your records.",
    ]
    return "\n".join(line for line in lines if line)


# ---------------------------------------------------------------------------------------------
# Promises to pay
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PromiseTerms:
    amount: Decimal
    made_on: date
    due_on: date
    grace_days: int = 0


def promise_deadline(terms: PromiseTerms) -> date:
    return terms.due_on + timedelta(days=terms.grace_days)


def promise_paid(terms: PromiseTerms, payments: Sequence[tuple[date, Decimal]], *, today: date) -> Decimal:
    """What counts towards a promise: payments received from the day it was made to its deadline."""
    deadline = min(promise_deadline(terms), today)
    return sum((amount for day, amount in payments if terms.made_on <= day <= deadline), ZERO)


def promise_status(
    terms: PromiseTerms, payments: Sequence[tuple[date, Decimal]], *, today: date, cancelled: bool = False
) -> str:
    """Kept when payments by the deadline cover the amount, broken once the deadline has passed
    without that, pending until then."""
    if cancelled:
        return PromiseStatus.CANCELLED
    if promise_paid(terms, payments, today=today) >= terms.amount:
        return PromiseStatus.KEPT
    if today > promise_deadline(terms):
        return PromiseStatus.BROKEN
    return PromiseStatus.PENDING


# ---------------------------------------------------------------------------------------------
# Interest and fees
# ---------------------------------------------------------------------------------------------

ACTUAL_365 = "actual_365"
THIRTY_360 = "thirty_360"
DAYS_IN_YEAR = {ACTUAL_365: Decimal(365), THIRTY_360: Decimal(360)}
# Servicemembers Civil Relief Act, 50 U.S.C. 3937(a): at most 6% a year during military service;
# interest above it is forgiven, not deferred (3937(a)(2)).
SCRA_RATE_CAP = Decimal(6)


def _ordinal_360(day: date) -> int:
    """30E/360: every month has 30 days (the 31st counts as the 30th)."""
    return day.year * 360 + (day.month - 1) * 30 + min(day.day, 30)


def day_count(start: date, end: date, basis: str) -> int:
    """Days of interest from `start` to `end`. Both bases are differences of an ordinal, so a
    period split at any date counts the same days as the whole (interest is additive)."""
    if basis == ACTUAL_365:
        return (end - start).days
    if basis == THIRTY_360:
        return _ordinal_360(end) - _ordinal_360(start)
    raise RuleError(f"unknown interest basis {basis!r}")


def capped_rate(
    contract_rate: Decimal, *, state_cap: Decimal | None = None, scra_active: bool = False
) -> Decimal:
    """The annual % rate that may be charged: the contract rate within the state cap and, during
    active duty, within the SCRA 6% cap."""
    rate = contract_rate
    if state_cap is not None:
        rate = min(rate, state_cap)
    if scra_active:
        rate = min(rate, SCRA_RATE_CAP)
    return max(rate, ZERO)


@dataclass(frozen=True, slots=True)
class Accrual:
    start: date
    end: date
    amount: Decimal  # rounded, what is posted
    forgiven: Decimal  # rounded, interest above the cap that is never charged
    rate: Decimal
    days: int


def principal_segments(
    *, start: date, end: date, opening: Decimal, changes: Sequence[tuple[date, Decimal]]
) -> list[tuple[date, date, Decimal]]:
    """Cut (start, end] where principal changes. `opening` holds at `start`; each change
    (effective day, delta) applies from that day on."""
    segments: list[tuple[date, date, Decimal]] = []
    current, principal = start, opening
    for day, delta in sorted(changes):
        if day <= start:
            principal += delta
            continue
        if day >= end:
            break
        segments.append((current, day, principal))
        current, principal = day, principal + delta
    segments.append((current, end, principal))
    return segments


def interest_accrue(
    *,
    segments: Sequence[tuple[date, date, Decimal]],
    contract_rate: Decimal,
    basis: str,
    currency: str,
    state_cap: Decimal | None = None,
    scra_active: bool = False,
) -> Accrual:
    """Daily simple interest on principal over the segments, rounded once (half-even) per posting.

    Posting to day 10 and then to day 20 equals posting to day 20 within one unit per posting.
    """
    if not segments:
        raise RuleError("nothing to accrue")
    rate = capped_rate(contract_rate, state_cap=state_cap, scra_active=scra_active)
    year = DAYS_IN_YEAR.get(basis)
    if year is None:
        raise RuleError(f"unknown interest basis {basis!r}")
    exact = ZERO
    uncapped = ZERO
    days = 0
    for seg_start, seg_end, principal in segments:
        n = day_count(seg_start, seg_end, basis)
        if n < 0:
            raise RuleError("an accrual period cannot end before it starts")
        base = max(principal, ZERO) * n / year / HUNDRED
        exact += base * rate
        uncapped += base * max(contract_rate, ZERO)
        days += n
    amount = bankers(exact, currency)
    forgiven = bankers(uncapped, currency) - amount if scra_active else ZERO
    return Accrual(segments[0][0], segments[-1][1], amount, max(forgiven, ZERO), rate, days)


@dataclass(frozen=True, slots=True)
class FeePolicy:
    kind: str = FeeKind.FLAT
    value: Decimal = ZERO
    cap: Decimal | None = None


def late_fee(policy: FeePolicy, *, base: Decimal, currency: str) -> Decimal:
    """A late fee: flat or a percentage of `base` (the missed amount), never above the cap."""
    if policy.value < 0 or (policy.cap is not None and policy.cap < 0):
        raise RuleError("fees and caps cannot be negative")
    if policy.kind == FeeKind.FLAT:
        fee = policy.value
    elif policy.kind == FeeKind.PERCENT:
        fee = base * policy.value / HUNDRED
    else:
        raise RuleError(f"unknown fee kind {policy.kind!r}")
    if policy.cap is not None:
        fee = min(fee, policy.cap)
    return quantize(fee, currency)


# ---------------------------------------------------------------------------------------------
# Settlements
# ---------------------------------------------------------------------------------------------

# The largest discount (% off the balance) each role may approve; an organization may pass its own.
DEFAULT_SETTLEMENT_LIMITS: dict[str, Decimal] = {
    "collector": Decimal(20),
    "manager": Decimal(40),
    "admin": Decimal(100),
}


def settlement_discount_pct(*, balance: Decimal, amount: Decimal) -> Decimal:
    if balance <= 0:
        raise RuleError("nothing is owed: there is nothing to settle")
    if amount <= 0 or amount > balance:
        raise RuleError("a settlement amount must be positive and not above the balance")
    return ((balance - amount) * HUNDRED / balance).quantize(Decimal("0.01"))


def settlement_required_role(discount_pct: Decimal, limits: Mapping[str, Decimal] | None = None) -> str:
    """The role with the smallest limit that still covers the discount."""
    table = limits or DEFAULT_SETTLEMENT_LIMITS
    fitting = sorted((limit, role) for role, limit in table.items() if discount_pct <= limit)
    if not fitting:
        raise RuleError(f"no role may approve a {discount_pct}% discount")
    return fitting[0][1]


def settlement_may_approve(
    role: str, discount_pct: Decimal, limits: Mapping[str, Decimal] | None = None
) -> bool:
    table = limits or DEFAULT_SETTLEMENT_LIMITS
    return discount_pct <= table.get(role, Decimal(-1))


# ---------------------------------------------------------------------------------------------
# Currencies
# ---------------------------------------------------------------------------------------------


def convert(amount: Money, *, to: str, rate: Decimal) -> Money:
    """`amount` in currency `to` at `rate` (units of `to` per unit of `amount.currency`)."""
    if rate <= 0:
        raise RuleError("an exchange rate must be positive")
    if amount.currency == to:
        return amount
    return Money(quantize(amount.amount * rate, to), to)
