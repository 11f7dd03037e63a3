from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from iso4217 import Currency

from arrears.core.money import (
    CurrencyMismatch,
    Money,
    UnknownCurrency,
    is_currency_code,
    minor_units,
    quantize,
)


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


@pytest.mark.parametrize(
    ("code", "units"),
    [
        pytest.param("JPY", 0, id="JPY-no-minor-unit"),
        pytest.param("KRW", 0, id="KRW-no-minor-unit"),
        pytest.param("USD", 2, id="USD-cents"),
        pytest.param("EUR", 2, id="EUR-cents"),
        pytest.param("BHD", 3, id="BHD-fils"),
        pytest.param("KWD", 3, id="KWD-fils"),
        pytest.param("JOD", 3, id="JOD-fils"),
        pytest.param("IQD", 3, id="IQD-ISO-not-CLDR"),
        pytest.param("CLF", 4, id="CLF-funds-code-with-4"),
        pytest.param("UYW", 4, id="UYW-funds-code-with-4"),
        pytest.param("jpy", 0, id="lower-case-read"),
        pytest.param("Bhd", 3, id="mixed-case-read"),
    ],
)
def test_minor_units_come_from_iso_4217(code, units):
    assert minor_units(code) == units


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("XYZ", id="not-on-the-list"),
        pytest.param("ABC", id="three-letters-only"),
        pytest.param("XAU", id="gold-has-no-minor-units"),
        pytest.param("XAG", id="silver-has-no-minor-units"),
        pytest.param("XDR", id="SDR-unit-of-account"),
        pytest.param("XTS", id="test-code"),
        pytest.param("XXX", id="no-currency"),
        pytest.param("", id="empty"),
        pytest.param("US", id="too-short"),
        pytest.param("USDX", id="too-long"),
    ],
)
def test_codes_that_are_not_currencies_for_money_are_refused(code):
    assert not is_currency_code(code)
    with pytest.raises(UnknownCurrency, match="not an ISO 4217 currency code"):
        minor_units(code)
    with pytest.raises(ValueError, match="not an ISO 4217 currency code"):
        Money.of("1", code)


@pytest.mark.parametrize("code", ["USD", "JPY", "CLF", "BHD"])
def test_a_code_is_canonical_in_upper_case_only(code):
    assert is_currency_code(code)
    assert not is_currency_code(code.lower())
    with pytest.raises(ValueError, match="not an ISO 4217 currency code"):
        Money(Decimal(1), code.lower())


@given(st.sampled_from([c for c in Currency if c.exponent is not None]))
def test_every_iso_currency_with_minor_units_is_a_code_and_rounds_to_them(currency):
    code = currency.code

    money = Money.of("1234.56789", code)

    assert is_currency_code(code)
    assert minor_units(code) == currency.exponent
    assert money.amount.as_tuple().exponent == -currency.exponent


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=3, max_size=3))
def test_is_currency_code_agrees_with_minor_units(code):
    if is_currency_code(code):
        assert minor_units(code) in {0, 2, 3, 4}
    else:
        with pytest.raises(UnknownCurrency):
            minor_units(code)
