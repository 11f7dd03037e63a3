from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.core.money import CurrencyMismatch, Money, minor_units, quantize


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [
        ("USD", "10.005", "10.01"),
        ("USD", "10.004", "10.00"),
        ("JPY", "1000.5", "1001"),
        ("BHD", "1.2345", "1.235"),
        ("EUR", "-2.675", "-2.68"),
    ],
)
def test_quantize_rounds_to_the_currency_minor_units(currency, amount, expected):
    assert quantize(Decimal(amount), currency) == Decimal(expected)
    assert Money.of(amount, currency).amount.as_tuple().exponent == -minor_units(currency)


def test_currencies_never_mix():
    with pytest.raises(CurrencyMismatch):
        _ = Money.of("1", "USD") + Money.of("1", "EUR")


def test_float_is_refused():
    with pytest.raises(TypeError):
        Money(1.5, "USD")  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", ""])
def test_not_an_amount(bad):
    with pytest.raises(ValueError, match="not an amount"):
        Money.of(bad, "USD")


@given(st.lists(st.decimals(min_value=-(10**6), max_value=10**6, places=2), max_size=30))
def test_sum_of_rounded_cents_is_exact(values):
    total = sum((Money.of(v, "USD") for v in values), Money.zero("USD"))

    assert total.amount == sum(values, Decimal(0))
