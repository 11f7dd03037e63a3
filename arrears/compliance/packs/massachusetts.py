"""Massachusetts: 940 CMR 7.00 (creditors) and 209 CMR 18.00 (debt collectors)."""

from __future__ import annotations

from datetime import datetime

from ..facts import Direction, Effect, Facts
from .base import (
    Pack,
    Rule,
    action_target_kinds,
    busiest_window,
    phone_kind,
    time_barred_disclosure,
    zones_of,
)
from .reg_f import consumer_debt

# Numbers the consumer lives by: at most 2 initiated calls or texts in 7 days. Others: 2 in 30 days.
PERSONAL_KINDS = frozenset({"home", "mobile", "personal"})
LIMIT = 2
PHONE_CHANNELS = frozenset({"call", "voicemail", "sms"})


def call_frequency(facts: Facts, now: datetime) -> str | None:
    """940 CMR 7.04(1)(f); 209 CMR 18.14(1)(d). Every initiated call or text counts, answered or not.

    A target (or history item) of unknown kind is counted against both limits.
    """
    if facts.action.channel not in PHONE_CHANNELS:
        return None
    initiated = [
        a for a in facts.history if a.channel in PHONE_CHANNELS and a.direction == Direction.OUTBOUND
    ]
    if len(initiated) < LIMIT:
        return None
    kinds = action_target_kinds(facts)
    checks = []
    if kinds & PERSONAL_KINDS or None in kinds:
        checks.append((7, "home, mobile or personal numbers", lambda k: k is None or k in PERSONAL_KINDS))
    if kinds - PERSONAL_KINDS:
        checks.append((30, "other numbers", lambda k: k is None or k not in PERSONAL_KINDS))
    for days, label, counts in checks:
        relevant = [a for a in initiated if counts(phone_kind(facts, a.target))]
        for zone_name in zones_of(facts):
            count, first, last = busiest_window(relevant, now=now, zone_name=zone_name, days=days)
            if count >= LIMIT:
                return (
                    f"Massachusetts allows 2 initiated calls or texts per {days} days to {label}; "
                    f"{count} were "
                    f"made on {first:%Y-%m-%d} to {last:%Y-%m-%d} ({zone_name})."
                )
    return None


PACK = Pack(
    name="Massachusetts (940 CMR 7.04, 209 CMR 18)",
    state="MA",
    applies=consumer_debt,
    rules=(Rule("MA_CALL_FREQUENCY", Effect.BLOCK, "940 CMR 7.04(1)(f)", call_frequency, time_based=True),),
    requirements=(time_barred_disclosure("MA", "940 CMR 7.07(24)"),),
)
