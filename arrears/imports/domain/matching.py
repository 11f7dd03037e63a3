"""Debtor matching (dedupe). Pure: the service loads what the database knows and asks here.

Two records, or a record and a debtor, are the same person when any of these match:
  - the national id;
  - the normalised name and the date of birth;
  - the normalised name and any one of: phone, email, normalised address.
Anything else is a different debtor. A similar name ("Jon Smith"/"John Smith") sharing a phone,
email or address is never merged silently: it becomes a merge candidate for review.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

FUZZY_THRESHOLD = 85.0


def identity_keys(
    *,
    name_key: str,
    date_of_birth: date | None,
    national_id_hash: str,
    phones: Iterable[str],
    emails: Iterable[str],
    address_keys: Iterable[str],
) -> list[str]:
    """Keys whose equality means 'same debtor'."""
    keys = []
    if national_id_hash:
        keys.append(f"id:{national_id_hash}")
    if name_key:
        if date_of_birth:
            keys.append(f"nd:{name_key}|{date_of_birth.isoformat()}")
        keys.extend(f"np:{name_key}|{p}" for p in phones)
        keys.extend(f"ne:{name_key}|{e}" for e in emails)
        keys.extend(f"na:{name_key}|{a}" for a in address_keys)
    return keys


def contact_keys(*, phones: Iterable[str], emails: Iterable[str], address_keys: Iterable[str]) -> list[str]:
    """Keys that make two debtors worth comparing by name (for fuzzy candidates)."""
    keys = [f"p:{p}" for p in phones]
    keys.extend(f"e:{e}" for e in emails)
    keys.extend(f"a:{a}" for a in address_keys)
    return keys


def name_similarity(a: str, b: str) -> float:
    return float(fuzz.token_sort_ratio(a, b))


@dataclass(frozen=True, slots=True)
class NewDebtor:
    """A debtor this batch will create; `n` orders them."""

    n: int


DebtorRef = int | NewDebtor


@dataclass(slots=True)
class Match:
    debtor: DebtorRef
    created: bool
    candidates: list[tuple[DebtorRef, float]] = field(default_factory=list)


class DebtorMatcher:
    """Assigns each record a debtor, in file order, so that later rows match earlier ones."""

    def __init__(self) -> None:
        self._identity: dict[str, DebtorRef] = {}
        self._contacts: dict[str, list[tuple[DebtorRef, str]]] = {}
        self._created = 0

    def know(
        self, debtor: DebtorRef, *, name_key: str, identity: Iterable[str], contacts: Iterable[str]
    ) -> None:
        """Register a debtor (existing or new) under its keys. The first debtor to claim a key keeps it."""
        for key in identity:
            current = self._identity.get(key)
            if current is None or (isinstance(debtor, int) and isinstance(current, int) and debtor < current):
                self._identity[key] = debtor
        for key in contacts:
            bucket = self._contacts.setdefault(key, [])
            if all(ref != debtor for ref, _ in bucket):
                bucket.append((debtor, name_key))

    def match(
        self, *, name_key: str, identity: list[str], contacts: list[str], fallback: int | None = None
    ) -> Match:
        """The debtor these keys belong to, or a new one; `fallback` (the account's debtor on a
        re-import) is used when no rule matches."""
        found: list[DebtorRef] = [self._identity[k] for k in identity if k in self._identity]
        if found:
            existing = sorted(d for d in found if isinstance(d, int))
            result = Match(existing[0] if existing else found[0], created=False)
        elif fallback is not None:
            result = Match(fallback, created=False)
        else:
            self._created += 1
            result = Match(NewDebtor(self._created), created=True)
            seen: set[DebtorRef] = set()
            for key in contacts:
                for other, other_name in self._contacts.get(key, ()):
                    if other in seen or other == result.debtor or other_name == name_key:
                        continue
                    seen.add(other)
                    score = name_similarity(name_key, other_name)
                    if score >= FUZZY_THRESHOLD:
                        result.candidates.append((other, score))
        self.know(result.debtor, name_key=name_key, identity=identity, contacts=contacts)
        return result
