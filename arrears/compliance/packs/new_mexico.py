"""New Mexico (12.2.12 NMAC): a disclosure on time-barred debt."""

from __future__ import annotations

from .base import Pack, for_state, time_barred_disclosure

PACK = Pack(
    name="New Mexico (12.2.12 NMAC)",
    applies=for_state("NM"),
    requirements=(time_barred_disclosure("NM", "N.M. Admin. Code 12.2.12.9"),),
)
