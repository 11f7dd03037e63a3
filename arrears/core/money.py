"""Money: a Decimal amount with an ISO 4217 currency, rounded in exactly one place (`quantize`)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units that differ from the usual 2. Everything else has 2.
_MINOR_UNITS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "UYI": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
    "CLF": 4,
    "UYW": 4,
}


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined without an explicit rate."""


def minor_units(currency: str) -> int:
    return _MINOR_UNITS.get(currency.upper(), 2)


def is_currency_code(code: str) -> bool:
    return len(code) == 3 and code.isascii() and code.isalpha() and code.isupper()


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
