"""California (Rosenthal Fair Debt Collection Practices Act): a disclosure on time-barred debt."""

from __future__ import annotations

from .base import Pack, always, time_barred_disclosure

PACK = Pack(
    name="California (Rosenthal Fair Debt Collection Practices Act)",
    applies=always,
    state="CA",
    requirements=(time_barred_disclosure("CA", "Cal. Civ. Code 1788.14(d)"),),
)
