"""Normalising names, phones, emails and addresses for storage, search and matching. Pure."""

from __future__ import annotations

import re
import unicodedata

import phonenumbers

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
