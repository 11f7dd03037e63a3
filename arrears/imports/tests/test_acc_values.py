"""Parsing single cells: each rule of issue 4's "Parsing" and "Normalisation" sections."""

from datetime import date
from decimal import Decimal

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.debtors.domain import name_key
from arrears.imports.domain.records import fast_name_key, split_full_name
from arrears.imports.domain.values import (
    BadValue,
    check_minor_units,
    normalize_email,
    normalize_national_id,
    normalize_phone,
    parse_address,
    parse_amount,
    parse_currency,
    parse_date,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("1234.56", "1234.56", id="plain"),
        pytest.param("1,234.56", "1234.56", id="thousands-separator"),
        pytest.param("$1,234,567.89", "1234567.89", id="currency-symbol-and-millions"),
        pytest.param(" USD 12 ", "12", id="currency-code-and-spaces"),
        pytest.param("(1,234.56)", "-1234.56", id="parentheses-negative"),
        pytest.param("-1234.5", "-1234.5", id="minus-negative"),
        pytest.param("-$5.00", "-5.00", id="minus-before-symbol"),
        pytest.param("$-5.00", "-5.00", id="minus-after-symbol"),
        pytest.param("5.00-", "-5.00", id="trailing-minus"),
        pytest.param("€ 7", "7", id="euro-sign"),
        pytest.param("1 234.50", "1234.50", id="space-grouping"),
        pytest.param(".5", "0.5", id="no-leading-zero"),
    ],
)
def test_amounts_accept_common_spreadsheet_shapes(raw, expected):
    # given a cell as exported

    # when it is parsed
    value = parse_amount(raw)

    # then it is the exact decimal
    assert value == Decimal(expected)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("12,34.5x", id="issue-example"),
        pytest.param("12,34", id="bad-grouping"),
        pytest.param("1.2.3", id="two-points"),
        pytest.param("abc", id="letters"),
        pytest.param("", id="empty"),
        pytest.param("--5", id="double-minus"),
        pytest.param("1e5", id="exponent"),
        pytest.param("NaN", id="nan"),
    ],
)
def test_amounts_reject_what_is_not_an_amount(raw):
    # given a malformed cell

    # when / then parsing refuses it
    with pytest.raises(BadValue):
        parse_amount(raw)


def test_decimal_comma_files_are_read_with_the_mapping_setting():
    # given a European-formatted amount

    # when the mapping says the decimal separator is a comma
    value = parse_amount("1.234,56", decimal_separator=",")

    # then it is read as such, and the same text is refused in a point-decimal file
    assert value == Decimal("1234.56")
    with pytest.raises(BadValue):
        parse_amount("1.234,56")


@pytest.mark.parametrize(
    ("value", "currency", "ok"),
    [
        pytest.param("1.25", "USD", True, id="usd-two-places"),
        pytest.param("1.255", "USD", False, id="usd-three-places-refused"),
        pytest.param("1.250", "USD", True, id="trailing-zero-fine"),
        pytest.param("100", "JPY", True, id="jpy-no-places"),
        pytest.param("100.5", "JPY", False, id="jpy-fraction-refused"),
        pytest.param("1.125", "KWD", True, id="kwd-three-places"),
    ],
)
def test_more_decimals_than_the_currency_has_is_an_error_not_a_rounding(value, currency, ok):
    # given an amount and its currency

    # when its precision is checked
    def check():
        return check_minor_units(Decimal(value), currency)

    # then extra non-zero places are refused, never rounded away
    if ok:
        assert check() == Decimal(value)
    else:
        with pytest.raises(BadValue):
            check()


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        pytest.param("2024-03-04", None, date(2024, 3, 4), id="iso"),
        pytest.param("2024-03-04T10:00:00Z", None, date(2024, 3, 4), id="iso-datetime"),
        pytest.param("03/04/2024", None, date(2024, 3, 4), id="slash-is-mm-dd-yyyy"),
        pytest.param("04.03.2024", None, date(2024, 3, 4), id="dot-is-dd-mm-yyyy"),
        pytest.param("03/04/2024", "dmy", date(2024, 4, 3), id="date-order-dmy"),
        pytest.param("04.03.2024", "mdy", date(2024, 4, 3), id="date-order-mdy-on-dots"),
        pytest.param("2024/03/04", "ymd", date(2024, 3, 4), id="date-order-ymd"),
        pytest.param("2024-03-04", "dmy", date(2024, 3, 4), id="iso-ignores-order"),
        pytest.param("3/4/2024", None, date(2024, 3, 4), id="single-digits"),
    ],
)
def test_dates(raw, order, expected):
    # given a date cell and the file-wide order

    # when it is parsed
    value = parse_date(raw, order=order)

    # then the order is the file's, not guessed from the row
    assert value == expected


@pytest.mark.parametrize(
    ("raw", "order"),
    [
        pytest.param("25/12/2024", None, id="day-first-without-flag-is-refused-not-guessed"),
        pytest.param("12/25/2024", "dmy", id="month-first-in-dmy-file"),
        pytest.param("2024-02-30", None, id="no-such-day"),
        pytest.param("03/04/24", None, id="two-digit-year"),
        pytest.param("yesterday", None, id="words"),
        pytest.param("03/04/2024", "ymd", id="ymd-needs-year-first"),
    ],
)
def test_dates_refused(raw, order):
    # given a date that does not fit the file's order

    # when / then it is an error, never a silent swap of day and month
    with pytest.raises(BadValue):
        parse_date(raw, order=order)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        pytest.param("(212) 555-0142", "US", "+12125550142", id="us-parentheses"),
        pytest.param("212.555.0142", "US", "+12125550142", id="us-dots"),
        pytest.param("+1 212 555 0142", "US", "+12125550142", id="us-international"),
        pytest.param("1-212-555-0142", "US", "+12125550142", id="us-trunk-prefix"),
        pytest.param("020 7946 0958", "GB", "+442079460958", id="gb-national"),
        pytest.param("+44 20 7946 0958", "US", "+442079460958", id="foreign-number-us-region"),
    ],
)
def test_phones_become_e164_with_the_rows_country_as_region(raw, region, expected):
    # given a phone and the row's country

    # when it is normalised
    value = normalize_phone(raw, region=region)

    # then it is E.164
    assert value == expected


@given(
    st.text(alphabet="0123456789 ()-.+/", min_size=1, max_size=18),
    st.sampled_from(["US", "CA"]),
)
def test_the_fast_phone_path_agrees_with_phonenumbers(raw, region):
    # given any phone-like text in North America

    # when our normaliser and phonenumbers both read it
    try:
        ours = normalize_phone(raw, region=region)
    except BadValue:
        ours = None
    try:
        number = phonenumbers.parse(raw, region)
        theirs = (
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if phonenumbers.is_possible_number(number)
            else None
        )
    except phonenumbers.NumberParseException:
        theirs = None

    # then they agree
    assert ours == theirs


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("USD", "USD", id="upper-case"),
        pytest.param(" eur ", "EUR", id="trimmed-lower-case"),
        pytest.param("Jpy", "JPY", id="mixed-case"),
        pytest.param("CLF", "CLF", id="funds-code-with-minor-units"),
    ],
)
def test_currency_codes_are_read_from_iso_4217(raw, expected):
    assert parse_currency(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("XYZ", id="three-letters-not-on-the-list"),
        pytest.param("xyz", id="lower-case-not-on-the-list"),
        pytest.param("XAU", id="gold-no-minor-units"),
        pytest.param("XTS", id="test-code"),
        pytest.param("XXX", id="no-currency"),
        pytest.param("US$", id="symbol"),
        pytest.param("DOLLAR", id="word"),
    ],
)
def test_currency_codes_refused(raw):
    with pytest.raises(BadValue, match="not an ISO 4217 currency code"):
        parse_currency(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(" Jane.Doe@Example.COM ", "jane.doe@example.com", id="trimmed-lowercased"),
        pytest.param("a+tag@mail.example.org", "a+tag@mail.example.org", id="plus-tag"),
    ],
)
def test_emails_are_lowercased(raw, expected):
    assert normalize_email(raw) == expected


@pytest.mark.parametrize(
    "raw", ["jane", "jane@", "@example.com", "jane@example", "ja ne@example.com", "a@b..com"]
)
def test_emails_refused(raw):
    with pytest.raises(BadValue):
        normalize_email(raw)


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        pytest.param("123-45-6789", "US", "123456789", id="ssn-dashes"),
        pytest.param("123 45 6789", "US", "123456789", id="ssn-spaces"),
        pytest.param("123 456 782", "CA", "123456782", id="canada-sin-luhn"),
        pytest.param("AB123456C", "GB", "AB123456C", id="other-country-kept-compact"),
    ],
)
def test_national_ids_validated_with_stdnum(raw, country, expected):
    assert normalize_national_id(raw, country=country) == expected


@pytest.mark.parametrize(
    ("raw", "country"),
    [
        pytest.param("000-12-3456", "US", id="ssn-area-000"),
        pytest.param("666-12-3456", "US", id="ssn-area-666"),
        pytest.param("123-45-678", "US", id="ssn-short"),
        pytest.param("123 456 783", "CA", id="sin-bad-check-digit"),
        pytest.param("12", "GB", id="too-short"),
    ],
)
def test_national_ids_refused(raw, country):
    with pytest.raises(BadValue):
        normalize_national_id(raw, country=country)


def test_one_line_us_address_is_split_with_usaddress():
    # given a whole address in the first line

    # when it is parsed
    address = parse_address(
        line1="12 Oak Ave Apt 4, Springfield, IL 62704",
        line2="",
        city="",
        state="",
        postal_code="",
        country="US",
    )

    # then street, unit, city, state and ZIP are apart
    assert tuple(address) == ("12 Oak Ave", "Apt 4", "Springfield", "IL", "62704", "US")


@pytest.mark.parametrize(
    ("state", "postal", "column"),
    [
        pytest.param("NY", "90210", "postal_code", id="zip-in-another-state"),
        pytest.param("ZZ", "10001", "state", id="no-such-state"),
        pytest.param("NY", "1001", "postal_code", id="zip-too-short"),
    ],
)
def test_zip_codes_are_checked_against_the_state(state, postal, column):
    # given a US address whose ZIP does not belong to its state

    # when it is parsed
    with pytest.raises(BadValue) as error:
        parse_address(
            line1="1 Main St", line2="", city="New York", state=state, postal_code=postal, country="US"
        )

    # then the error names the column at fault
    assert error.value.column == column


def test_state_names_become_codes_and_zip_plus_four_is_kept():
    address = parse_address(
        line1="1 Main St", line2="", city="Albany", state="new york", postal_code="12207-1234", country="US"
    )

    assert address[3:5] == ("NY", "12207-1234")


def test_address_keys_ignore_case_punctuation_and_suffix_spelling():
    # given the same address written two ways
    a = parse_address(
        line1="12 Main Street", line2="", city="Albany", state="NY", postal_code="12207", country="US"
    )
    b = parse_address(
        line1="12 MAIN ST.", line2="", city="ALBANY", state="ny", postal_code="12207-0001", country="US"
    )

    # when their keys are compared / then they are equal
    assert a.key == b.key


@given(st.text(max_size=40), st.text(max_size=20), st.text(max_size=40))
def test_fast_name_key_is_the_debtors_name_key(first, middle, last):
    assert fast_name_key(first, middle, last) == name_key(first, middle, last)


@pytest.mark.parametrize(
    ("full", "order", "expected"),
    [
        pytest.param("Jane Q Doe", "first_last", ("Jane", "Q", "Doe"), id="first-middle-last"),
        pytest.param("Doe, Jane Q", "first_last", ("Jane", "Q", "Doe"), id="comma-means-last-first"),
        pytest.param("Doe Jane", "last_first", ("Jane", "", "Doe"), id="mapping-last-first"),
        pytest.param("Cher", "first_last", ("", "", "Cher"), id="one-word"),
    ],
)
def test_full_names_split(full, order, expected):
    assert split_full_name(full, order=order) == expected


def test_the_comma_form_is_split_when_usaddress_cannot_label_the_street():
    # given a street name usaddress reads as a landmark ("Church Center")

    # when the one-line address is parsed
    address = parse_address(
        line1="3930 Church Center, Fairview, FL 33470",
        line2="",
        city="",
        state="",
        postal_code="",
        country="US",
    )

    # then its commas split it, and the ZIP is still checked against the state
    assert tuple(address) == ("3930 Church Center", "", "Fairview", "FL", "33470", "US")
