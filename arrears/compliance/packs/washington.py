"""Washington: the Collection Agency Act, RCW 19.16.250(13) (licensed collection agencies)."""

from __future__ import annotations

from datetime import datetime, time

from ..facts import CALL_CHANNELS, Direction, Effect, Facts, Outcome
from .base import Pack, Rule, action_target_kinds, busiest_window, local, phone_kind, zones_of
from .reg_f import consumer_debt

WEEKLY_LIMIT = 3
AT_WORK_LIMIT = 1
HOME_EARLIEST = time(7, 30)
HOME_LATEST = time(21, 0)
# A communication conveys information: an unanswered ring or a bounced message does not.
NOT_COMMUNICATED = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.NOT_IN_SERVICE, Outcome.UNDELIVERABLE})


def contact_frequency(facts: Facts, now: datetime) -> str | None:
    """RCW 19.16.250(13)(a)-(c): more than 3 communications a week, more than 1 a week at work, or a call
    to the residence between 9 p.m. and 7:30 a.m. presumes harassment. Weeks are any 7 consecutive
    local dates; communications answering the debtor's own (inbound) do not count.
    """
    sent = [
        a for a in facts.history if a.direction == Direction.OUTBOUND and a.outcome not in NOT_COMMUNICATED
    ]
    zones = zones_of(facts)
    for zone_name in zones:
        count, first, last = busiest_window(sent, now=now, zone_name=zone_name, days=7)
        if count >= WEEKLY_LIMIT:
            return (
                f"Washington presumes harassment beyond 3 communications a week; {count} were made on "
                f"{first:%Y-%m-%d} to {last:%Y-%m-%d} ({zone_name})."
            )
    kinds = action_target_kinds(facts)
    if "work" in kinds:
        at_work = [a for a in sent if phone_kind(facts, a.target) in ("work", None)]  # unknown: maybe work
        for zone_name in zones:
            count, first, last = busiest_window(at_work, now=now, zone_name=zone_name, days=7)
            if count >= AT_WORK_LIMIT:
                return (
                    "Washington presumes harassment beyond 1 communication a week at work; one was "
                    "made on "
                    f"{first:%Y-%m-%d} to {last:%Y-%m-%d} ({zone_name})."
                )
    home = facts.action.channel in CALL_CHANNELS and "home" in kinds
    home = home or (facts.action.channel == "visit" and "home" in kinds)
    if home:
        for zone_name in zones:
            wall = local(now, zone_name).time()
            if wall < HOME_EARLIEST or wall >= HOME_LATEST:
                return (
                    "Washington forbids contact at the residence between 21:00 and 07:30 (now "
                    f"{wall:%H:%M} {zone_name})."
                )
    return None


PACK = Pack(
    name="Washington (RCW 19.16.250)",
    state="WA",
    applies=lambda facts: facts.third_party and consumer_debt(facts),
    rules=(
        Rule(
            "WA_CONTACT_FREQUENCY",
            Effect.BLOCK,
            "RCW 19.16.250(13)",
            contact_frequency,
            time_based=True,
            boundaries=lambda facts: (HOME_EARLIEST,),
        ),
    ),
)
