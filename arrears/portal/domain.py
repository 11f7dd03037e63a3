"""Pure rules of the debtor portal: matching what the debtor typed, masking where a code goes, the
throttle limits and the plan limits. No ORM, no clock, no I/O."""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

# How many of each step a window allows before verification is refused for a while.
WINDOW = timedelta(minutes=30)
LIMIT_IDENTIFY_PER_IP = 20  # failed or not: a scraper trying references
LIMIT_IDENTIFY_FAILED_PER_DEBTOR = 5
LIMIT_CODES_PER_DEBTOR = 5
LIMIT_CODES_PER_ADDRESS = 3
WRONG_CODES_TO_LOCK = 3
LOCK_FOR = timedelta(minutes=30)
CODE_TTL = timedelta(minutes=10)
CODE_DIGITS = 6


def fold(text: str) -> str:
    """Case, accents and spacing do not matter when a debtor types their name: 'Peña ' is 'pena'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().replace("-", " ").replace("'", "").split())


def zip5(text: str) -> str:
    digits = "".join(c for c in text or "" if c.isdigit())
    return digits[:5]


@dataclass(frozen=True, slots=True)
class Candidate:
    """A debtor on an account with the reference typed, as much as matching needs."""

    debtor_id: int
    last_name: str
    date_of_birth: date | None
    postal_codes: tuple[str, ...]


def matches(c: Candidate, *, last_name: str, date_of_birth: date | None, postal_code: str) -> bool:
    """The last name and either the date of birth or the ZIP code must agree; a blank proves nothing."""
    if not last_name.strip() or fold(c.last_name) != fold(last_name):
        return False
    if date_of_birth is not None and c.date_of_birth is not None and c.date_of_birth == date_of_birth:
        return True
    typed = zip5(postal_code)
    return len(typed) == 5 and typed in {zip5(p) for p in c.postal_codes}


def code_hash(code: str, *, key: str, salt: str) -> str:
    """A keyed hash: a 6-digit code is guessed in a million tries offline, so the key must stay secret."""
    return hmac.new(key.encode(), f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def address_key(value: str, *, key: str) -> str:
    return hmac.new(key.encode(), f"portal-address:{value.casefold()}".encode(), hashlib.sha256).hexdigest()


def mask(kind: str, value: str) -> str:
    """Enough to recognise one's own address, too little to learn someone else's."""
    if kind == "email" and "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}{'•' * 3}@{domain}"
    digits = "".join(c for c in value if c.isdigit())
    return f"•••-•••-{digits[-4:]}" if len(digits) >= 4 else "•••"


@dataclass(frozen=True, slots=True)
class Limits:
    max_installments: int
    min_installment: Decimal
    max_first_due_days: int
    max_promise_days: int


def plan_problem(
    *, limits: Limits, owed: Decimal, installments: int, first_due: date, today: date
) -> str | None:
    """Why a plan the debtor asks for is outside what the organization lets them arrange alone."""
    if installments < 1 or installments > limits.max_installments:
        return f"a plan has between 1 and {limits.max_installments} installments"
    if first_due < today or first_due > today + timedelta(days=limits.max_first_due_days):
        return f"the first installment is due within {limits.max_first_due_days} days"
    if installments > 1 and owed / installments < limits.min_installment:
        return f"each installment is at least {limits.min_installment}"
    return None


def promise_problem(
    *, limits: Limits, owed: Decimal, amount: Decimal, due_on: date, today: date
) -> str | None:
    if amount <= 0 or amount > owed:
        return "a promise is more than nothing and no more than the balance"
    if due_on < today or due_on > today + timedelta(days=limits.max_promise_days):
        return f"a promise is due within {limits.max_promise_days} days"
    return None
