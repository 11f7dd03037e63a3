"""The statute-of-limitations table: a versioned data file, one row per state and kind of debt.

``data/statute_of_limitations.csv`` starts with ``# version: …`` and comment lines, then the columns
``state,kind,years,citation`` for all 50 states and DC and the four kinds in ``LimitationKind``. (CSV
rather than JSON: one row per line diffs well, and no formatter rewrites it.) Reading it is I/O, so it
lives here; the arithmetic is in ``domain``.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from .domain import LIMITATION_KINDS, Limitation

DATA_FILE = Path(__file__).with_name("data") / "statute_of_limitations.csv"
STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
    "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip


@cache
def _table() -> tuple[str, dict[tuple[str, str], Limitation]]:
    lines = DATA_FILE.read_text(encoding="utf-8").splitlines()
    version = ""
    for line in lines:
        if line.startswith("# version:"):
            version = line.removeprefix("# version:").strip()
    if not version:
        raise ValueError(f"{DATA_FILE.name} has no '# version:' line")
    reader = csv.DictReader(line for line in lines if line and not line.startswith("#"))
    rows = {
        (r["state"], r["kind"]): Limitation(
            state=r["state"], kind=r["kind"], years=int(r["years"]), citation=r["citation"]
        )
        for r in reader
    }
    return version, rows


def limitation_table_version() -> str:
    return _table()[0]


def limitation_for(*, state: str, kind: str) -> Limitation | None:
    """The row for a state and kind of debt, or None for a place the table does not cover."""
    if kind not in LIMITATION_KINDS:
        raise ValueError(f"unknown kind of debt for limitations: {kind!r}")
    return _table()[1].get((state.upper(), kind))


def limitation_rows() -> list[Limitation]:
    return sorted(_table()[1].values(), key=lambda r: (r.state, LIMITATION_KINDS.index(r.kind)))
