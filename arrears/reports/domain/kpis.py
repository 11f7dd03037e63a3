"""Collection KPIs as pure functions. Each states its formula and where the definition comes from.

A rate whose denominator is zero is `None` ("no data"), never 0 and never a division error. Rates are
fractions (0.25 is 25 %) except the CEI, which is conventionally a percentage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def ratio(numerator: Decimal | int, denominator: Decimal | int) -> Decimal | None:
    """numerator ÷ denominator, or None when the denominator is zero (no data for the period)."""
    if not denominator:
        return None
    return Decimal(numerator) / Decimal(denominator)


def liquidation_rate(*, collected: Decimal, placed: Decimal) -> Decimal | None:
    """Liquidation rate = money collected ÷ money placed (same placement cohort).

    Source: ACA International / industry usage ("liquidation rate: the percentage of placed dollars
    collected"). Collected is net of reversed payments; placed is the amount charged to the accounts when
    they were placed (the ledger's charge entries).
    """
    return ratio(collected, placed)


@dataclass(frozen=True, slots=True)
class CohortFigures:
    cohort: str
    accounts: int
    placed: Decimal
    collected: Decimal

    @property
    def liquidation_rate(self) -> Decimal | None:
        return liquidation_rate(collected=self.collected, placed=self.placed)


def liquidation_by_cohort(rows: Iterable[tuple[str, Decimal, Decimal]]) -> list[CohortFigures]:
    """Group (cohort, placed, collected) rows per account into one line per placement cohort, oldest
    first. Liquidation rate per cohort = Σ collected ÷ Σ placed of that cohort's accounts."""
    totals: dict[str, list[Decimal | int]] = {}
    for cohort, placed, collected in rows:
        line = totals.setdefault(cohort, [0, ZERO, ZERO])
        line[0] = int(line[0]) + 1
        line[1] = Decimal(line[1]) + placed
        line[2] = Decimal(line[2]) + collected
    return [
        CohortFigures(cohort=c, accounts=int(v[0]), placed=Decimal(v[1]), collected=Decimal(v[2]))
        for c, v in sorted(totals.items())
    ]


def recovery_rate_by_count(*, accounts_paying: int, accounts_placed: int) -> Decimal | None:
    """Recovery rate by count = accounts with at least one (unreversed) payment ÷ accounts placed.

    Source: industry usage ("penetration rate" / recovery by count), e.g. ACA International benchmarks.
    """
    return ratio(accounts_paying, accounts_placed)


def recovery_rate_by_value(*, collected: Decimal, placed: Decimal, recalled: Decimal) -> Decimal | None:
    """Recovery rate by value = money collected ÷ (money placed − balance recalled by the client).

    Unlike the liquidation rate it leaves out what the client took back, so an agency is judged only on
    the money it was allowed to work. Source: agency-client contract usage ("net placements").
    """
    return ratio(collected, placed - recalled)


def rpc_rate_per_dial(*, right_party_contacts: int, dials: int) -> Decimal | None:
    """Right-party-contact rate, per dial = calls that reached the debtor ÷ outbound calls placed.

    Per dial, not per account: an account dialled five times counts five in the denominator. Calls the
    compliance gate blocked were not dialled and are left out. Source: contact-centre usage (RPC rate).
    """
    return ratio(right_party_contacts, dials)


def promise_rate(*, promises_made: int, right_party_contacts: int) -> Decimal | None:
    """Promise rate = accounts on which a collector took a promise to pay ÷ right-party contacts, same
    period; the numerator counts only accounts reached in the period and promises taken in conversation
    (not the portal's or the API's), so the rate stays within 0–100%. Source: industry usage."""
    return ratio(promises_made, right_party_contacts)


def promise_kept_rate(*, kept: int, due: int) -> Decimal | None:
    """Promise-kept rate = promises kept ÷ promises that fell due in the period (kept + broken).

    A promise not yet due (or still within its grace days) is in neither count. Source: industry usage
    ("PTP kept rate").
    """
    return ratio(kept, due)


def dso_countback(*, receivables: Decimal, periods: Sequence[tuple[Decimal, int]]) -> Decimal | None:
    """Days sales outstanding, countback method.

    `periods` are (sales, days in period), most recent first. Walk back through the periods: while the
    receivables left cover the whole period's sales, subtract them and add the period's days; the first
    period they do not cover adds (receivables left ÷ that period's sales) × its days.
    Source: Credit Research Foundation; e.g. receivables 212,000 against monthly sales of 100,000, 80,000
    and 70,000 (30-day months) = 30 + 30 + 32,000/70,000 × 30 ≈ 73.7 days.
    Returns None when there were no sales; if the receivables exceed every period's sales, the days of
    all periods (a floor: the true figure is higher).
    """
    if not periods or all(s <= 0 for s, _ in periods):
        return None
    left = Decimal(receivables)
    days = ZERO
    for sales, period_days in periods:
        if left <= 0:
            break
        if sales <= 0:
            days += period_days
            continue
        if left >= sales:
            left -= sales
            days += period_days
        else:
            days += left / sales * period_days
            left = ZERO
    return days


def best_possible_dso(*, current_receivables: Decimal, sales: Decimal, days: int) -> Decimal | None:
    """Best possible DSO = current (not yet past due) receivables ÷ credit sales of the period × days.

    Source: Credit Research Foundation; the DSO if every customer paid on time.
    """
    r = ratio(current_receivables, sales)
    return None if r is None else r * days


def average_days_delinquent(*, dso: Decimal | None, best_dso: Decimal | None) -> Decimal | None:
    """Average days delinquent = DSO − best possible DSO. Source: Credit Research Foundation (ADD)."""
    if dso is None or best_dso is None:
        return None
    return dso - best_dso


def cei(
    *,
    beginning_receivables: Decimal,
    credit_sales: Decimal,
    ending_total_receivables: Decimal,
    ending_current_receivables: Decimal,
    months: int = 1,
) -> Decimal | None:
    """Collection effectiveness index, in percent, over N months.

    CEI = (BR + CS ÷ N − ETR) ÷ (BR + CS ÷ N − ECR) × 100, where BR is beginning receivables, CS the
    credit sales of the period, ETR ending total receivables, ECR ending current receivables, and N the
    number of months in the period (N = 1: the one-month form without N). Source: Credit Research
    Foundation; the "with N" form spreads a period's sales per month.
    """
    if months < 1:
        raise ValueError("N (months) must be at least 1")
    sales = Decimal(credit_sales) / months
    denominator = beginning_receivables + sales - ending_current_receivables
    numerator = beginning_receivables + sales - ending_total_receivables
    r = ratio(numerator, denominator)
    return None if r is None else r * HUNDRED


def roll_rates(
    transitions: Iterable[tuple[str, str, Decimal]], *, buckets: Sequence[str], by: str = "count"
) -> dict[str, dict[str, Decimal | None]]:
    """Roll-rate matrix between aging buckets.

    rate[i][j] = accounts (by="count") or balance at the start (by="balance") that were in bucket i at
    the start of the period and in bucket j at its end ÷ the same measure of all accounts in bucket i at
    the start. Each row sums to 1 (or is all None when the bucket was empty). Source: OCC Comptroller's
    Handbook "Credit Card Lending" (roll-rate / migration analysis).
    """
    counts: dict[str, dict[str, Decimal]] = {b: dict.fromkeys(buckets, ZERO) for b in buckets}
    for start, end, balance in transitions:
        weight = Decimal(1) if by == "count" else Decimal(balance)
        counts[start][end] += weight
    matrix: dict[str, dict[str, Decimal | None]] = {}
    for start, row in counts.items():
        total = sum(row.values(), ZERO)
        matrix[start] = {end: ratio(v, total) for end, v in row.items()}
    return matrix


def cost_to_collect(*, cost: Decimal, collected: Decimal) -> Decimal | None:
    """Cost to collect = cost of collecting ÷ money collected (cost per unit of currency collected).

    Source: industry usage (e.g. "cost to collect a dollar"). Arrears counts as cost the contingency fees
    the creditor pays the agency on what was collected (the client's view) plus costs charged to the
    accounts' cost bucket.
    """
    return ratio(cost, collected)


@dataclass(frozen=True, slots=True)
class CollectorFigures:
    collector: str
    hours: Decimal
    contacts: int
    right_party_contacts: int
    promises: int
    collected: Decimal

    def per_hour(self) -> Mapping[str, Decimal | None]:
        """Each activity ÷ hours worked."""
        return {
            "contacts": ratio(self.contacts, self.hours),
            "right_party_contacts": ratio(self.right_party_contacts, self.hours),
            "promises": ratio(self.promises, self.hours),
            "collected": ratio(self.collected, self.hours),
        }


def hours_worked(instants_by_day: Mapping[object, Sequence[float]], *, wrap_up_seconds: int = 300) -> Decimal:
    """Hours worked, from the collector's logged activity: per working day, last activity − first
    activity + one wrap-up allowance (default 5 minutes). Instants are POSIX seconds.

    Arrears has no time clock; this is a documented proxy. Source: contact-centre "logged-in time".
    """
    total = 0.0
    for instants in instants_by_day.values():
        if instants:
            total += max(instants) - min(instants) + wrap_up_seconds
    return Decimal(str(round(total / 3600, 4)))
