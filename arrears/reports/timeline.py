"""The account timeline: one newest-first list merged from every app that records something about a debt.

Each app contributes a function `items(*, principal, account) -> Iterable[TimelineItem]` in its own
`timeline.py`, reading its own models and those below it; this module, above them all, only merges and
filters. Adding a source is one line in SOURCES.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from arrears.accounts import timeline as accounts_timeline
from arrears.compliance import timeline as compliance_timeline
from arrears.contact import timeline as contact_timeline
from arrears.core.timeline import TimelineItem
from arrears.documents import timeline as documents_timeline
from arrears.payments import timeline as payments_timeline

Source = Callable[..., Iterable[TimelineItem]]

SOURCES: tuple[Source, ...] = (
    contact_timeline.items,
    payments_timeline.items,
    compliance_timeline.items,
    documents_timeline.items,
    accounts_timeline.items,
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


def account_timeline(
    *, principal: Any, account: Any, groups: Sequence[str] = (), sources: Sequence[Source] = SOURCES
) -> list[TimelineItem]:
    """Every event about the account, newest first; `groups` narrows to some of GROUPS."""
    kinds: frozenset[str] | None = None
    if groups:
        kinds = frozenset().union(*(GROUPS[g] for g in groups if g in GROUPS))
    merged = [
        item
        for source in sources
        for item in source(principal=principal, account=account)
        if kinds is None or item.kind in kinds
    ]
    return sorted(merged, key=lambda i: (i.at, i.ref), reverse=True)
