"""New Mexico (12.2.12 NMAC): a disclosure on time-barred debt."""

from __future__ import annotations

from .base import Pack, always, time_barred_disclosure

PACK = Pack(
    name="New Mexico (12.2.12 NMAC)",
    applies=always,
    state="NM",
    requirements=(time_barred_disclosure("NM", "N.M. Admin. Code 12.2.12.9"),),
)
