"""New York (23 NYCRR 1, DFS debt collection rule): a disclosure on time-barred debt."""

from __future__ import annotations

from .base import Pack, always, time_barred_disclosure

PACK = Pack(
    name="New York (23 NYCRR 1, DFS debt collection rule)",
    applies=always,
    state="NY",
    requirements=(time_barred_disclosure("NY", "23 NYCRR 1.3"),),
)
