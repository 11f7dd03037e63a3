"""Normalising names, phones, emails and addresses for storage, search and matching. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneNumberType
from phonenumbers import timezone as phone_timezone

_SPACES = re.compile(r"\s+")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class InvalidContact(ValueError):
    pass


def name_key(*parts: str) -> str:
    """Case-folded, accent-stripped, whitespace-folded name for matching. Storage keeps the original."""
    joined = " ".join(p for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", joined)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = re.sub(r"[^\w\s'-]", " ", stripped.casefold())
    return _SPACES.sub(" ", cleaned).strip()


def normalize_phone(raw: str, *, region: str = "US") -> str:
    """E.164, or InvalidContact. Accepts any common format: (212) 555-0142, 212.555.0142, +1 212…"""
    text = raw.strip()
    if not text:
        raise InvalidContact("empty phone number")
    try:
        number = phonenumbers.parse(text, region or "US")
    except phonenumbers.NumberParseException as exc:
        raise InvalidContact(f"not a phone number: {raw!r}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidContact(f"not a possible phone number: {raw!r}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_search_key(raw: str, *, region: str = "US") -> str | None:
    """What a search box typed that looks like a phone, as E.164; None if it is not one."""
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 7:
        return None
    try:
        return normalize_phone(raw, region=region)
    except InvalidContact:
        return None


# A phone number whose zones span more than this is not a location (toll-free and the like).
_MAX_PHONE_ZONES = 4
_NOT_A_LOCATION = frozenset(
    {PhoneNumberType.TOLL_FREE, PhoneNumberType.PREMIUM_RATE, PhoneNumberType.SHARED_COST,
     PhoneNumberType.UAN, PhoneNumberType.VOIP, PhoneNumberType.PERSONAL_NUMBER}
)  # fmt: skip


@lru_cache(maxsize=65536)
def phone_zones(number: str) -> tuple[str, ...]:
    """The IANA time zones a phone number places its owner in: its area code's (``phonenumbers``
    time-zone data), or none for a number that is not a place (toll-free, premium, VoIP, unknown).

    Costly the first time a process sees a number (its type is a regular expression per kind, per
    region sharing the calling code: 200 µs and more), so a contact point stores the answer when it is
    written (``ContactPoint.time_zones``) and the compliance gate reads it from there.
    """
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return ()
    # ``time_zones_for_number`` would work the type out again: reuse it, and go straight to the prefix
    # table for the geographical kinds (fixed line and mobile) that almost every number is.
    kind = phonenumbers.number_type(parsed)
    if kind in _NOT_A_LOCATION or kind == PhoneNumberType.UNKNOWN:
        return ()
    if phonenumbers.is_number_type_geographical(kind, parsed.country_code or 0):
        found = phone_timezone.time_zones_for_geographical_number(parsed)
    else:
        found = phone_timezone.time_zones_for_number(parsed)
    zones = tuple(z for z in found if z != "Etc/Unknown")
    return zones if len(zones) <= _MAX_PHONE_ZONES else ()


def zones_text(zones: tuple[str, ...]) -> str:
    """How ``ContactPoint.time_zones`` stores zones: space-separated ('' for none)."""
    return " ".join(zones)


def zones_from_text(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def normalize_email(raw: str) -> str:
    text = raw.strip().lower()
    if not _EMAIL.match(text):
        raise InvalidContact(f"not an email address: {raw!r}")
    return text


def address_line(
    *, line1: str, line2: str = "", city: str = "", state: str = "", postal_code: str = "", country: str = ""
) -> str:
    head = ", ".join(p.strip() for p in (line1, line2, city) if p and p.strip())
    tail = " ".join(p.strip() for p in (state, postal_code) if p and p.strip())
    parts = [p for p in (head, tail, country.strip()) if p]
    return _SPACES.sub(" ", ", ".join(parts))


def address_key(**parts: str) -> str:
    """Upper-cased, punctuation-free address for matching ("12 Main St." equals "12 MAIN ST")."""
    return _SPACES.sub(" ", re.sub(r"[^\w\s]", " ", address_line(**parts).upper())).strip()


def national_id_digits(raw: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", raw).upper()


# --- E-SIGN consent to electronic delivery (15 U.S.C. 7001(c); 12 CFR 1006.42(b)) ----------------------

# The means that records a valid E-SIGN consent: the portal, after the E-SIGN disclosures, given
# electronically in a way that shows the consumer can open what we send (7001(c)(1)(C)(ii)). A consent to
# email recorded any other way (an import, a collector's note) is consent to be emailed, not to receive
# required disclosures electronically.
ESIGN_SOURCE = "portal:esign"


def esign_email_points(records: Iterable[tuple[int | None, str, str, bool, str]]) -> set[int]:
    """The email contact points a debtor may be sent required disclosures at: the newest consent record
    of the point is a granted E-SIGN consent, and no opt-out of email is in force for the point or for
    the whole debtor. ``records`` are (contact point id, channel, kind, granted, source), oldest first."""
    consent: dict[int, tuple[bool, str]] = {}
    opted_out: dict[int | None, bool] = {}
    for point_id, channel, kind, granted, source in records:
        if channel != "email":
            continue
        if kind == "opt_out":
            opted_out[point_id] = granted
        elif kind == "consent" and point_id is not None:
            consent[point_id] = (granted, source)
    if opted_out.get(None):
        return set()
    return {
        pk
        for pk, (granted, source) in consent.items()
        if granted and source.startswith(ESIGN_SOURCE) and not opted_out.get(pk)
    }
