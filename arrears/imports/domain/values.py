"""Parsing one cell: amounts, dates, phones, emails, national ids, addresses. Pure.

Each parser returns the normalised value or raises `BadValue` with the reason a user reads.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
import usaddress
from stdnum import exceptions as stdnum_exceptions
from stdnum.ca import sin as ca_sin
from stdnum.us import ssn as us_ssn

from arrears.core.money import is_currency_code, minor_units

from .places import country_code, state_code, zip_matches_state


class BadValue(ValueError):
    """A cell that cannot be used; the message says why, `column` which cell when not the one parsed."""

    def __init__(self, message: str, column: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# ── amounts ──────────────────────────────────────────────────────────────────────────────────────
_CURRENCY_MARKS = re.compile(r"^(?:[A-Z]{3}|[$€£¥₹]|US\$|C\$|A\$|NZ\$|R\$)|(?:[A-Z]{3}|[$€£¥₹])$")
_POINT_GROUPED = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_POINT_PLAIN = re.compile(r"^\d+(?:\.\d+)?$|^\.\d+$")
_COMMA_GROUPED = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_COMMA_PLAIN = re.compile(r"^\d+(?:,\d+)?$")


def parse_amount(raw: str, *, decimal_separator: str = ".") -> Decimal:
    """'$1,234.56', '(1,234.56)', '-1234.5', 'USD 12', '1.234,56' (with decimal_separator=',')."""
    text = raw.strip().replace("\u00a0", "").replace(" ", "").replace("'", "")
    if not text:
        raise BadValue("empty amount")
    negative = False
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    elif text.endswith("-"):
        negative, text = not negative, text[:-1]
    text = _CURRENCY_MARKS.sub("", text.upper())
    if text.startswith("-") and not negative:
        negative, text = True, text[1:]
    if decimal_separator == ",":
        if _COMMA_GROUPED.match(text):
            text = text.replace(".", "").replace(",", ".")
        elif _COMMA_PLAIN.match(text):
            text = text.replace(",", ".")
        else:
            raise BadValue("not an amount")
    elif _POINT_GROUPED.match(text):
        text = text.replace(",", "")
    elif not _POINT_PLAIN.match(text):
        raise BadValue("not an amount")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue("not an amount") from None
    if value.adjusted() >= 15:
        raise BadValue("amount too large")
    return -value if negative else value


def check_minor_units(value: Decimal, currency: str) -> Decimal:
    """The amount at the currency's precision; more decimals than it has is an error, not a rounding."""
    places = minor_units(currency)
    exponent = Decimal(1).scaleb(-places)
    rounded = value.quantize(exponent)
    if rounded != value:
        raise BadValue(f"more than {places} decimal places for {currency}")
    return rounded


# ── dates ────────────────────────────────────────────────────────────────────────────────────────
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
_NUMERIC = re.compile(r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})$")
DATE_ORDERS = ("mdy", "dmy", "ymd")


def parse_date(raw: str, *, order: str | None = None) -> date:
    """ISO 8601 always; other numeric dates in the file-wide `order`.

    Without an order, 'MM/DD/YYYY' (slash) and 'DD.MM.YYYY' (dot) are read as documented. The
    order is one setting for the whole file, never guessed row by row.
    """
    text = raw.strip()
    if match := _ISO.match(text):
        year, month, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _NUMERIC.match(text):
        first, sep, middle, last = match[1], match[2], match[3], match[4]
        effective = order or ("dmy" if sep == "." else "mdy")
        if effective == "ymd":
            if len(first) != 4:
                raise BadValue("not a date in year-month-day order")
            year, month, day = int(first), int(middle), int(last)
        else:
            if len(last) != 4 or len(first) > 2:
                raise BadValue("not a date: the year needs four digits")
            year = int(last)
            if effective == "mdy":
                month, day = int(first), int(middle)
            else:
                day, month = int(first), int(middle)
    else:
        raise BadValue("not a date")
    try:
        return date(year, month, day)
    except ValueError:
        hint = "" if order else " (is the file day-first? set the date order to day/month/year)"
        raise BadValue(f"not a calendar date{hint}") from None


# ── phones and emails ────────────────────────────────────────────────────────────────────────────
_NON_DIGITS = re.compile(r"\D")
_PHONE_CHARS = re.compile(r"^\+?[\d\s().\-/]+$")
_EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$"
)
NANP_REGIONS = frozenset({"US", "CA", "PR", "GU", "VI", "AS", "MP"})


def normalize_phone(raw: str, *, region: str) -> str:
    """E.164. North American numbers written in the usual shapes take a fast path that gives what
    `phonenumbers` gives; everything else goes through `phonenumbers`."""
    text = raw.strip()
    if region in NANP_REGIONS and _PHONE_CHARS.match(text):
        digits = _NON_DIGITS.sub("", text)
        national = ""
        if text.startswith("+"):
            if text.startswith("+1") and len(digits) == 11:
                national = digits[1:]
        elif len(digits) == 11 and digits[0] == "1":
            national = digits[1:]
        elif len(digits) == 10:
            national = digits
        if national and national[0] in "23456789":
            return "+1" + national
    return _slow_phone(text, region)


@lru_cache(maxsize=4096)
def _slow_phone(text: str, region: str) -> str:
    if not text:
        raise BadValue("empty phone number")
    try:
        number = phonenumbers.parse(text, region or "US")
    except phonenumbers.NumberParseException:
        raise BadValue("not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise BadValue("not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(raw: str) -> str:
    text = raw.strip().lower()
    if len(text) > 254 or not _EMAIL.match(text):
        raise BadValue("not an email address")
    return text


# ── national ids ─────────────────────────────────────────────────────────────────────────────────
_ID_CHARS = re.compile(r"[^0-9A-Za-z]")


def normalize_national_id(raw: str, *, country: str) -> str:
    """Digits (and letters) of a national id, validated with python-stdnum where we know the scheme."""
    compact = _ID_CHARS.sub("", raw).upper()
    try:
        if country == "US":
            return str(us_ssn.validate(compact))
        if country == "CA":
            return str(ca_sin.validate(compact))
    except stdnum_exceptions.ValidationError as exc:
        raise BadValue(f"not a valid national id ({str(exc).lower().rstrip('.')})") from None
    if not 4 <= len(compact) <= 20:
        raise BadValue("not a valid national id")
    return compact


# ── addresses ────────────────────────────────────────────────────────────────────────────────────
_ZIP = re.compile(r"^(\d{5})(?:-?(\d{4}))?$")
_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]")
# USPS Publication 28 standard abbreviations, so "12 Main Street" and "12 MAIN ST." match.
_ABBREVIATIONS = {
    "STREET": "ST",
    "AVENUE": "AVE",
    "ROAD": "RD",
    "DRIVE": "DR",
    "BOULEVARD": "BLVD",
    "LANE": "LN",
    "COURT": "CT",
    "PLACE": "PL",
    "TERRACE": "TER",
    "CIRCLE": "CIR",
    "HIGHWAY": "HWY",
    "PARKWAY": "PKWY",
    "SQUARE": "SQ",
    "TRAIL": "TRL",
    "APARTMENT": "APT",
    "SUITE": "STE",
    "UNIT": "UNIT",
    "NORTH": "N",
    "SOUTH": "S",
    "EAST": "E",
    "WEST": "W",
    "FLOOR": "FL",
    "BUILDING": "BLDG",
    "NUMBER": "NO",
}


class Address(tuple[str, str, str, str, str, str]):
    """(line1, line2, city, state, postal_code, country), as given after splitting and checks."""

    __slots__ = ()

    @property
    def key(self) -> str:
        line1, line2, city, state, postal, country = self
        words = _SPACES.sub(
            " ", _PUNCT.sub(" ", f"{line1} {line2} {city} {state} {postal[:5]} {country}".upper())
        )
        return " ".join(_ABBREVIATIONS.get(w, w) for w in words.split())


_COMMA_FORM = re.compile(
    r"^(?P<street>[^,]+),\s*(?P<city>[^,]+),\s*(?P<state>[A-Za-z][A-Za-z .]*?)\s+(?P<zip>\d{5}(?:-\d{4})?)$"
)


def split_us_address(text: str) -> tuple[str, str, str, str, str]:
    """One-line US address → (line1, line2, city, state, zip) with usaddress; the plain comma form
    "street, city, ST 12345" is split by its commas when usaddress cannot label it (odd street names)."""
    try:
        tagged, kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        tagged, kind = {}, "Ambiguous"
    if kind != "Street Address" or "ZipCode" not in tagged and "StateName" not in tagged:
        match = _COMMA_FORM.match(text.strip())
        if match is None:
            raise BadValue("cannot split the address into street, city, state and ZIP")
        return match["street"].strip(), "", match["city"].strip(), match["state"].strip(), match["zip"]
    line2_labels = ("OccupancyType", "OccupancyIdentifier", "SubaddressType", "SubaddressIdentifier")
    place = ("PlaceName", "StateName", "ZipCode", *line2_labels)
    street = " ".join(v for k, v in tagged.items() if k not in place)
    line2 = " ".join(v for k, v in tagged.items() if k in line2_labels)
    return (
        street.strip(" ,"),
        line2.strip(" ,"),
        tagged.get("PlaceName", "").strip(" ,"),
        tagged.get("StateName", "").strip(" ,"),
        tagged.get("ZipCode", "").strip(" ,"),
    )


_ENDS_WITH_ZIP = re.compile(r"\b\d{5}(?:-\d{4})?$")


def parse_address(
    *, line1: str, line2: str, city: str, state: str, postal_code: str, country: str
) -> Address:
    """The checked address; a one-line US address is split with usaddress. BadValue names the column."""
    if country == "US":
        if line1 and not (city or state or postal_code) and ("," in line1 or _ENDS_WITH_ZIP.search(line1)):
            line1, extra2, city, state, postal_code = split_us_address(line1)
            line2 = line2 or extra2
        if state:
            code = state_code(state)
            if code is None:
                raise BadValue("not a US state", "state")
            state = code
        if postal_code:
            match = _ZIP.match(postal_code.strip())
            if not match:
                raise BadValue("not a US ZIP code", "postal_code")
            postal_code = match[1] + (f"-{match[2]}" if match[2] else "")
            if state and not zip_matches_state(match[1], state):
                raise BadValue(f"ZIP code {match[1]} is not in {state}", "postal_code")
    if not line1:
        raise BadValue("an address needs its first line", "address_line1")
    return Address((line1.strip(), line2.strip(), city.strip(), state.strip(), postal_code.strip(), country))


def parse_country(raw: str) -> str:
    code = country_code(raw)
    if code is None:
        raise BadValue("not a country code")
    return code


def parse_currency(raw: str) -> str:
    """An ISO 4217 code in any case; three letters that are not on the list (XYZ), or a code with no
    minor units (XAU, XXX), are refused: `core.money` holds the list."""
    text = raw.strip().upper()
    if not is_currency_code(text):
        raise BadValue("not an ISO 4217 currency code")
    return text


def parse_rate(raw: str) -> Decimal:
    text = raw.strip().rstrip("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BadValue("not a percentage") from None
    if not value.is_finite() or value < 0 or value >= 1000:
        raise BadValue("not a percentage between 0 and 1000")
    return value.quantize(Decimal("0.0001"))
