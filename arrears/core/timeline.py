"""The account timeline: one newest-first list merged from every app that records something about a debt.

Each app contributes a function `items(*, principal, account) -> Iterable[TimelineItem]` in its own
`timeline.py`, reading through its own models; this module only merges and filters. Adding a source is
one line in SOURCES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import Any

SOURCES: tuple[str, ...] = (
    "arrears.contact.timeline",
    "arrears.payments.timeline",
    "arrears.compliance.timeline",
    "arrears.documents.timeline",
    "arrears.accounts.timeline",
)

# Filter groups a person picks from, mapped to item kinds.
GROUPS: dict[str, frozenset[str]] = {
    "calls": frozenset({"call", "voicemail"}),
    "messages": frozenset({"email", "sms", "letter", "visit"}),
    "money": frozenset({"payment", "promise", "plan", "settlement"}),
    "holds": frozenset({"hold", "validation_notice"}),
    "notes": frozenset({"note"}),
    "documents": frozenset({"document"}),
}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    kind: str  # call, sms, email, letter, payment, promise, plan, settlement, hold, note, document, …
    title: str
    detail: str = ""
    actor: str = ""
    # Compliance decision, when the item is an outbound contact: allowed, codes, overridden.
    decision: dict[str, Any] | None = None
    ref: str = ""  # stable id of the source row, e.g. "attempt:12"
    extra: dict[str, Any] = field(default_factory=dict)


Source = Callable[..., Iterable[TimelineItem]]


def _sources() -> list[Source]:
    return [import_module(path).items for path in SOURCES]


def account_timeline(
    *, principal: Any, account: Any, groups: Sequence[str] = (), sources: Sequence[Source] | None = None
) -> list[TimelineItem]:
    """Every event about the account, newest first; `groups` narrows to some of GROUPS."""
    kinds: frozenset[str] | None = None
    if groups:
        kinds = frozenset().union(*(GROUPS[g] for g in groups if g in GROUPS))
    merged = [
        item
        for source in (sources if sources is not None else _sources())
        for item in source(principal=principal, account=account)
        if kinds is None or item.kind in kinds
    ]
    return sorted(merged, key=lambda i: (i.at, i.ref), reverse=True)
