"""Agency remittance arithmetic: contingency rates, fees, what the client is due. Pure: no ORM, no clock.

- The contingency rate of a payment is the account's own rate if it has one, else the rate of the
  placement-age band the payment falls in (the band with the highest `min_age_days` not above the age),
  else the client's default.
- The fee of a line is `amount × rate / 100`, rounded once, half up, to the currency's minor units. A
  reversal is the negative of its payment with the negative of its fee, so fees claw back exactly.
- `net` remittance: the agency keeps its fees, the client receives collections − fees.
  `gross` remittance: the client receives all collections and is invoiced the fees.
  Either way, what the client ends up with is collections − fees (`Totals.net`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from arrears.core.money import quantize

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class RateError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RateRule:
    rate: Decimal
    account_id: int | None = None
    min_age_days: int = 0


def contingency_rate(
    *, default: Decimal, rules: Sequence[RateRule], account_id: int, placement_age_days: int
) -> Decimal:
    """The rate (in %) that applies to a payment on `account_id` made `placement_age_days` after placement."""
    for rule in rules:
        if rule.account_id == account_id:
            return _checked(rule.rate)
    bands = [r for r in rules if r.account_id is None and r.min_age_days <= placement_age_days]
    if bands:
        return _checked(max(bands, key=lambda r: r.min_age_days).rate)
    return _checked(default)


def _checked(rate: Decimal) -> Decimal:
    if not ZERO <= rate <= HUNDRED:
        raise RateError(f"a contingency rate is between 0 and 100%, not {rate}")
    return rate


def placement_age(placed_on: date | None, paid_on: date) -> int:
    """Days from placement to payment; an account with no placement date counts as placed that day."""
    return max((paid_on - placed_on).days, 0) if placed_on else 0


def fee(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """The agency's fee on one collection; symmetric, so fee(-x) == -fee(x)."""
    return quantize(amount * rate / HUNDRED, currency)


@dataclass(frozen=True, slots=True)
class Line:
    """One collection (positive) or reversal of an earlier collection (negative) on the statement."""

    account_id: int
    reference: str
    payment_id: int
    on: date
    kind: str  # "payment" | "reversal"
    amount: Decimal
    currency: str
    rate: Decimal
    fee: Decimal
    collector: str = ""

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


def line(
    *,
    account_id: int,
    reference: str,
    payment_id: int,
    on: date,
    kind: str,
    amount: Decimal,
    currency: str,
    rate: Decimal,
    collector: str = "",
) -> Line:
    amount = quantize(amount, currency)
    return Line(
        account_id,
        reference,
        payment_id,
        on,
        kind,
        amount,
        currency,
        rate,
        fee(amount, rate, currency),
        collector,
    )


@dataclass(frozen=True, slots=True)
class Totals:
    currency: str
    mode: str
    collections: Decimal
    fees: Decimal
    due_to_client: Decimal  # what the agency pays the client for the period
    invoiced: Decimal  # what the agency invoices the client (gross mode)
    lines: int

    @property
    def net(self) -> Decimal:
        """What the client ends up with: collections − fees, in either mode."""
        return self.due_to_client - self.invoiced


def totals(lines: Iterable[Line], *, mode: str, currency: str) -> Totals:
    chosen = [x for x in lines if x.currency == currency]
    collections = quantize(sum((x.amount for x in chosen), ZERO), currency)
    fees = quantize(sum((x.fee for x in chosen), ZERO), currency)
    none = quantize(ZERO, currency)
    if mode == "net":
        return Totals(currency, mode, collections, fees, collections - fees, none, len(chosen))
    if mode == "gross":
        return Totals(currency, mode, collections, fees, collections, fees, len(chosen))
    raise RateError(f"remittance mode is net or gross, not {mode!r}")


def commission(fee_amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """A collector's share (rate in %) of the agency's fee on a payment they took."""
    return quantize(fee_amount * rate / HUNDRED, currency)
