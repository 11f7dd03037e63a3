"""Matching bank credits to what we expect to be paid: pure, no ORM, no clock.

A bank line is scored against each expected payment (a plan installment, a promise, or just an
account when the line names one) on three signals:

- reference, 0.60: a reference of the expected payment (account reference, invoice number) is a
  token of the line's free text or one of its structured references;
- amount, 0.30: the amount equals the expected amount, in the same currency;
- date, 0.10: booked within 3 days of the due date (0.05 within 10 days).

The confidence is the sum, in [0, 1]. A line posts on its own only when its best candidate has the
reference *and* the amount (confidence at least `AUTO_AT`) and no candidate on another account scores as
well; everything else goes to the review queue with the best candidate as a suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

REFERENCE = Decimal("0.60")
AMOUNT = Decimal("0.30")
DATE_CLOSE = Decimal("0.10")
DATE_NEAR = Decimal("0.05")
AUTO_AT = Decimal("0.85")
SUGGEST_AT = Decimal("0.30")
CLOSE_DAYS = 3
NEAR_DAYS = 10
# A reference shorter than this is too common a token ("1", "AB") to identify anything.
MIN_REFERENCE = 3
# Beyond this many candidates by amount alone the amount says nothing; keep the review queue readable.
MAX_AMOUNT_CANDIDATES = 25
KIND_ORDER = {"installment": 0, "promise": 1, "account": 2}

_SPLIT = re.compile(r"[\s,;:/()\[\]{}<>|\"'=+*]+")
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def normalise(reference: str) -> str:
    """Upper case, letters and digits only: `acc-00042` and `ACC 00042` agree."""
    return _NOT_ALNUM.sub("", reference.upper())


def line_tokens(texts: Iterable[str | None], whole: Iterable[str | None] = ()) -> frozenset[str]:
    """The tokens of free text (split on spaces and punctuation except `-` and `.`), plus `whole`
    references (structured references, end-to-end ids) kept as one token each."""
    found: set[str] = set()
    for text in texts:
        for part in _SPLIT.split(text or ""):
            token = normalise(part)
            if len(token) >= MIN_REFERENCE:
                found.add(token)
    for ref in whole:
        token = normalise(ref or "")
        if len(token) >= MIN_REFERENCE:
            found.add(token)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Expected:
    """Something we expect to be paid: an installment, a promise, or an account named by reference."""

    kind: str
    id: int
    account_id: int
    currency: str
    references: tuple[str, ...]
    amount: Decimal | None = None
    due_on: date | None = None
    # The references as line tokens, normalised once: a large import scores each expected payment
    # against several lines.
    tokens: frozenset[str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        tokens = frozenset(t for t in map(normalise, self.references) if len(t) >= MIN_REFERENCE)
        object.__setattr__(self, "tokens", tokens)


@dataclass(frozen=True, slots=True)
class Line:
    amount: Decimal
    currency: str
    booked_on: date | None
    tokens: frozenset[str]


@dataclass(frozen=True, slots=True)
class Match:
    expected: Expected
    confidence: Decimal
    reasons: tuple[str, ...]

    @property
    def sort_key(self) -> tuple[Decimal, int, int, int]:
        return (-self.confidence, KIND_ORDER.get(self.expected.kind, 9), _days(self), self.expected.id)


def _days(m: Match) -> int:
    return 0 if m.expected.due_on is None else m.expected.due_on.toordinal()


@dataclass(frozen=True, slots=True)
class Decision:
    auto: bool
    best: Match | None
    alternatives: tuple[Match, ...] = ()

    @property
    def confidence(self) -> Decimal:
        return self.best.confidence if self.best else Decimal(0)


def score(line: Line, expected: Expected) -> Match:
    """How well `line` pays `expected`, with the reasons."""
    if line.currency != expected.currency:
        return Match(expected, Decimal(0), ("currency differs",))
    confidence = Decimal(0)
    reasons: list[str] = []
    if not expected.tokens.isdisjoint(line.tokens):
        confidence += REFERENCE
        reasons.append("reference")
    if expected.amount is not None and line.amount == expected.amount:
        confidence += AMOUNT
        reasons.append("amount")
    if expected.due_on is not None and line.booked_on is not None:
        days = abs((line.booked_on - expected.due_on).days)
        if days <= CLOSE_DAYS:
            confidence += DATE_CLOSE
            reasons.append(f"date ±{days}d")
        elif days <= NEAR_DAYS:
            confidence += DATE_NEAR
            reasons.append(f"date ±{days}d")
    return Match(expected, confidence, tuple(reasons))


def decide(line: Line, candidates: Sequence[Expected]) -> Decision:
    """The best candidate, and whether it is clear enough to post without a person."""
    matches = sorted(
        (m for m in (score(line, c) for c in candidates) if m.confidence >= SUGGEST_AT),
        key=lambda m: m.sort_key,
    )
    if not matches:
        return Decision(auto=False, best=None)
    best = matches[0]
    rivals = [
        m
        for m in matches[1:]
        if m.confidence == best.confidence and m.expected.account_id != best.expected.account_id
    ]
    clear = (
        best.confidence >= AUTO_AT and "reference" in best.reasons and "amount" in best.reasons and not rivals
    )
    return Decision(auto=clear, best=best, alternatives=tuple(matches[1:4]))


@dataclass
class ExpectedIndex:
    """Candidates by reference token and by (currency, amount), so a line is scored against a handful
    rather than everything. Remove what a line has taken, so the next equal line finds the next one."""

    by_token: dict[str, list[Expected]] = field(default_factory=dict)
    by_amount: dict[tuple[str, Decimal], list[Expected]] = field(default_factory=dict)

    @classmethod
    def build(cls, expected: Iterable[Expected]) -> ExpectedIndex:
        index = cls()
        for e in expected:
            index.add(e)
        return index

    def add(self, e: Expected) -> None:
        for ref in e.tokens:
            self.by_token.setdefault(ref, []).append(e)
        if e.amount is not None:
            self.by_amount.setdefault((e.currency, e.amount), []).append(e)

    def remove(self, e: Expected) -> None:
        for ref in e.tokens:
            bucket = self.by_token.get(ref)
            if bucket and e in bucket:
                bucket.remove(e)
        if e.amount is not None:
            bucket = self.by_amount.get((e.currency, e.amount))
            if bucket and e in bucket:
                bucket.remove(e)

    def candidates(self, line: Line) -> list[Expected]:
        found: dict[tuple[str, int], Expected] = {}
        for token in line.tokens:
            for e in self.by_token.get(token, ()):
                found[(e.kind, e.id)] = e
        by_amount = self.by_amount.get((line.currency, line.amount), [])
        if len(by_amount) <= MAX_AMOUNT_CANDIDATES:
            for e in by_amount:
                found[(e.kind, e.id)] = e
        return list(found.values())
