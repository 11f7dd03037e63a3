"""Rule packs, one module each, found by discovery: adding a state is adding a module.

Each module defines ``PACK``. Which packs govern a scenario is up to each pack's ``state`` (the
consumer's and the debt's jurisdictions) and ``applies``: the collector type (third party or first
party) and the debt type.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from ..facts import Facts
from .base import Pack


@cache
def all_packs() -> tuple[Pack, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        pack = getattr(module, "PACK", None)
        if isinstance(pack, Pack):
            found.append(pack)
    return tuple(found)


def packs_for(facts: Facts) -> tuple[Pack, ...]:
    states = facts.states  # worked out once: every state pack asks
    return tuple(p for p in all_packs() if (not p.state or p.state in states) and p.applies(facts))
