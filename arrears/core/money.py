"""Money: a Decimal amount with an ISO 4217 currency, rounded in exactly one place (`quantize`).

Currency codes and their minor units come from the ISO 4217 list itself, as shipped by the `iso4217`
package: it ships the maintenance agency's XML table with each code's minor units, and its version ends
in the list's publication date (1.16.20260101), so updating the list is a version bump, never an edit
here. The alternatives fall short: `pycountry` has the codes but no minor units; `babel` gives CLDR's
display digits, which differ from ISO 4217 on purpose (IQD 0 where ISO says 3, RSD and IRR 0 where it
says 2); `iso4217parse` is a parser of currency mentions in free text; `py-moneyed` has had no release
since 2022.

A code is a currency for money when the list gives it a number of minor units. Codes the list marks
"N.A." are refused: precious metals (XAU, XAG, XPD, XPT), the IMF's and bond markets' units of account
(XDR, XUA, XSU, XBA-XBD), the test code XTS and XXX ("no currency"). Funds codes that do have minor units
(CLF with 4, UYI with 0, USN, ...) are accepted, since accounts are kept in them.

`is_currency_code` takes the canonical upper-case code only ("usd" is not a code); `minor_units` reads a
code case-insensitively and raises `UnknownCurrency` for anything not on the list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from types import MappingProxyType

from iso4217 import Currency


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined without an explicit rate."""


class UnknownCurrency(ValueError):
    """A code that is not an ISO 4217 currency with minor units."""


@cache
def _minor_units_by_code() -> Mapping[str, int]:
    """The ISO 4217 table, read once: code -> minor units, for the codes that have minor units."""
    return MappingProxyType(
        {c.code: c.exponent for c in Currency if c.exponent is not None}  # None: "N.A." (XAU, XXX, XTS…)
    )


def minor_units(currency: str) -> int:
    """The number of decimal places of ``currency`` (JPY 0, USD 2, KWD 3, CLF 4); any case is read."""
    try:
        return _minor_units_by_code()[currency.upper()]
    except KeyError:
        raise UnknownCurrency(f"not an ISO 4217 currency code: {currency!r}") from None


def is_currency_code(code: str) -> bool:
    """Whether ``code`` is an upper-case ISO 4217 code of a currency with minor units."""
    return code in _minor_units_by_code()


def quantize(amount: Decimal, currency: str, *, rounding: str = ROUND_HALF_UP) -> Decimal:
    """The one rounding helper: round ``amount`` to ``currency``'s minor units."""
    exponent = Decimal(1).scaleb(-minor_units(currency))
    return amount.quantize(exponent, rounding=rounding)


STORAGE_EXPONENT = Decimal("0.0001")  # money columns keep 4 places (core.models.money_field)


def from_storage(value: Decimal | None) -> Decimal:
    """An amount summed by the database, made exact at storage precision.

    PostgreSQL sums NUMERIC exactly. SQLite keeps Django decimals with NUMERIC affinity and sums them in
    floating point, so 209.35 - 314.03 + 104.68 comes back as 2.8e-14. Every stored amount has at most 4
    places and far fewer than 15 significant digits, so rounding the sum to 4 places recovers the exact
    value. This is not money rounding (that is `quantize`); it only undoes the float error.
    """
    if value is None:
        return Decimal(0).quantize(STORAGE_EXPONENT)
    return value.quantize(STORAGE_EXPONENT, rounding=ROUND_HALF_EVEN)


def bankers(amount: Decimal, currency: str) -> Decimal:
    """Round half to even, for accruals summed over many postings."""
    return quantize(amount, currency, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money amount must be Decimal, not {type(self.amount).__name__}")
        if not is_currency_code(self.currency):
            raise ValueError(f"not an ISO 4217 currency code: {self.currency!r}")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        try:
            value = Decimal(str(amount)) if not isinstance(amount, Decimal) else amount
        except InvalidOperation as exc:
            raise ValueError(f"not an amount: {amount!r}") from exc
        if not value.is_finite():
            raise ValueError(f"not an amount: {amount!r}")
        return cls(quantize(value, currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(quantize(Decimal(0), currency), currency)

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._check(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._check(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._check(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def rounded(self) -> Money:
        return Money(quantize(self.amount, self.currency), self.currency)

    def __str__(self) -> str:
        return f"{self.amount:,.{minor_units(self.currency)}f} {self.currency}"
