"""West Virginia (Consumer Credit and Protection Act): a disclosure on time-barred debt."""

from __future__ import annotations

from .base import Pack, always, time_barred_disclosure

PACK = Pack(
    name="West Virginia (Consumer Credit and Protection Act)",
    applies=always,
    state="WV",
    requirements=(time_barred_disclosure("WV", "W. Va. Code 46A-2-128(f)"),),
)
