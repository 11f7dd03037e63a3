"""Rule packs, one module each, found by discovery: adding a state is adding a module.

Each module defines ``PACK``. Which packs govern a scenario is up to each pack's ``applies``: the
collector type (third party or first party), the debt type and the consumer's jurisdictions.
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
    return tuple(p for p in all_packs() if p.applies(facts))
