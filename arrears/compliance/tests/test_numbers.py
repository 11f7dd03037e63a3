"""Phone numbers: the shortcuts taken for speed give what the ``phonenumbers`` library gives."""

from __future__ import annotations

import re

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_timezone

from arrears.compliance.scenario import normalize_number
from arrears.debtors.domain import phone_zones

NOT_A_LOCATION = (
    PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
    PhoneNumberType.UAN, PhoneNumberType.VOIP, PhoneNumberType.PERSONAL_NUMBER,
)  # fmt: skip


def library_e164(raw: str) -> str:
    try:
        return phonenumbers.format_number(phonenumbers.parse(raw, "US"), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return re.sub(r"[^\d+]", "", raw)


def library_zones(number: str) -> tuple[str, ...]:
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return ()
    if phonenumbers.number_type(parsed) in NOT_A_LOCATION:
        return ()
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != "Etc/Unknown")
    return zones if len(zones) <= 4 else ()


numbers = st.one_of(
    st.from_regex(r"\+1[2-9]\d{9}", fullmatch=True),
    st.from_regex(r"\+?1?[0-9]{3,12}", fullmatch=True),
    st.from_regex(r"\+(44|33|49|61|52)\d{6,11}", fullmatch=True),
    st.sampled_from(["(212) 555-0100", "+1 800 555 0100", "+1 900 555 0100", "12", "", "not a number"]),
)


@settings(max_examples=400, deadline=None)
@given(numbers)
def test_normalize_number_is_the_library_e164(raw):
    assert normalize_number(raw) == library_e164(raw)


@settings(max_examples=400, deadline=None)
@given(numbers)
def test_phone_zones_are_the_library_time_zones(raw):
    assert phone_zones.__wrapped__(raw) == library_zones(raw)
