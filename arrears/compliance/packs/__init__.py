"""Rule packs, one module each, found by discovery: adding a state is adding a module.

Each module defines ``PACK``. Which packs govern a scenario is up to each pack's ``state`` (the
consumer's and the debt's jurisdictions) and ``applies``: the collector type (third party or first
party) and the debt type. ``applies`` is shown only those two (the rest of its facts are defaults), so
the answer for each combination is worked out once.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache, lru_cache

from ..facts import Action, Debt, Facts
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
    return _governing(facts.states, facts.collector_type, facts.debt.type)


@lru_cache(maxsize=1024)  # bounded: a combination of states a worker has not met costs one miss
def _governing(states: frozenset[str], collector_type: str, debt_type: str) -> tuple[Pack, ...]:
    probe = Facts(Action(channel="letter"), Debt(id="", type=debt_type), collector_type)
    return tuple(p for p in all_packs() if (not p.state or p.state in states) and p.applies(probe))
