"""Texas (Finance Code chapter 392): a disclosure on time-barred debt."""

from __future__ import annotations

from .base import Pack, always, time_barred_disclosure

PACK = Pack(
    name="Texas (Finance Code chapter 392)",
    applies=always,
    state="TX",
    requirements=(time_barred_disclosure("TX", "Tex. Fin. Code 392.307"),),
)
