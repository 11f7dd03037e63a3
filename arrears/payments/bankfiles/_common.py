"""Small readers shared by the format parsers: amounts, dates, text decoding. Each raises BankFileError."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from arrears.core.money import is_currency_code

from .errors import BankFileError

_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def is_digits(text: str) -> bool:
    """ASCII 0-9 only. `str.isdigit()` also takes '¹' and other Unicode digits, which `int()` refuses
    or reads as numbers no bank file means (found by the fuzz test)."""
    return text.isascii() and text.isdigit()


def parse_decimal(text: str | None, *, line: int | None, field: str) -> Decimal:
    """A decimal written with a point and no exponent, as every bank format writes money."""
    value = (text or "").strip()
    if not _DECIMAL.fullmatch(value):
        raise BankFileError(line, field, f"not an amount: {value!r}")
    try:
        return Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only valid literals
        raise BankFileError(line, field, f"not an amount: {value!r}") from exc


def parse_currency(text: str | None, *, line: int | None, field: str) -> str:
    code = (text or "").strip().upper()
    if not is_currency_code(code):
        raise BankFileError(line, field, f"not an ISO 4217 currency code: {text!r}")
    return code


def parse_iso_date(text: str | None, *, line: int | None, field: str) -> date:
    """``2009-10-29``, or the date part of an ISO date-time as the bank wrote it (its own calendar day)."""
    value = (text or "").strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise BankFileError(line, field, f"not an ISO date: {value!r}") from exc


def parse_iso_datetime(text: str | None, *, line: int | None, field: str) -> datetime:
    value = (text or "").strip()
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise BankFileError(line, field, f"not an ISO date-time: {value!r}") from exc


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text without ever failing: UTF-8 first (files often say 1252 but hold UTF-8), then the
    declared charset, then Windows-1252, then Latin-1 (which decodes any byte)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        try:
            return data.decode(declared)
        except (LookupError, ValueError):  # an unknown charset name, or one holding a NUL
            pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean(text: str | None) -> str | None:
    """Collapse the padding banks put in fixed-width text; empty becomes None."""
    if text is None:
        return None
    value = " ".join(text.split())
    return value or None
