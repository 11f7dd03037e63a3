"""One entry on an account's timeline, the shape every app's `timeline.py` produces.

The merging of those entries into one list lives above all the apps it reads, in `reports/timeline.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


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
