"""The organization's own policy (``compliance.policy``): limits it chose, stricter than the law.

Each rule fires only where the policy is stricter than Regulation F's own rule, which stays on (as do
the state packs), so a decision names the law when the law blocks and the policy when only the policy
does. The citation names the policy, not a statute: breaking it is not a violation of law, but the
organization asked the gate to hold it.
"""

from __future__ import annotations

from datetime import datetime, time

from arrears.core.clock import is_public_holiday

from ..facts import CALL_CHANNELS, TIMED_CHANNELS, Effect, Facts
from ..policy import LAW_CALL_LIMIT, LAW_EARLIEST, LAW_LATEST
from .base import Pack, Rule, always, busiest_window, fmt_local, local, zones_of
from .reg_f import CALL_WINDOW_DAYS, _counted_calls

CITATION = "Organization policy (Settings)"


def call_frequency(facts: Facts, now: datetime) -> str | None:
    """Fewer calls about a debt within 7 consecutive days than Reg F's 7, counted the same way."""
    limit = facts.policy.call_limit
    if facts.action.channel not in CALL_CHANNELS or limit >= LAW_CALL_LIMIT:
        return None
    calls = _counted_calls(facts)
    if len(calls) < limit:
        return None
    for zone_name in zones_of(facts):
        count, first, last = busiest_window(calls, now=now, zone_name=zone_name, days=CALL_WINDOW_DAYS)
        if count >= limit:
            return (
                f"{count} calls about this debt were placed on {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                f"({zone_name} dates); your organization allows {limit} in 7 consecutive days."
            )
    return None


def contact_hours(facts: Facts, now: datetime) -> str | None:
    """A narrower window than 08:00 to 21:00, in every candidate zone."""
    policy = facts.policy
    if facts.action.channel not in TIMED_CHANNELS or (
        policy.earliest <= LAW_EARLIEST and policy.latest >= LAW_LATEST
    ):
        return None
    for zone_name in zones_of(facts):
        wall = local(now, zone_name).time()
        if wall < policy.earliest or wall >= policy.latest:
            return (
                f"It is {fmt_local(now, zone_name)} where the consumer may be; your organization contacts "
                f"only from {policy.earliest:%H:%M} to before {policy.latest:%H:%M} local time."
            )
    return None


def weekend_call(facts: Facts, now: datetime) -> str | None:
    if facts.action.channel not in CALL_CHANNELS or facts.policy.weekend_calls:
        return None
    for zone_name in zones_of(facts):
        day = local(now, zone_name)
        if day.weekday() >= 5:
            return (
                f"It is {day:%A} where the consumer may be ({zone_name}); your organization does not "
                "call at weekends."
            )
    return None


def holiday_call(facts: Facts, now: datetime) -> str | None:
    """US federal public holidays (the ``holidays`` package), on the consumer's local date."""
    if facts.action.channel not in CALL_CHANNELS or facts.policy.holiday_calls:
        return None
    for zone_name in zones_of(facts):
        day = local(now, zone_name)
        if is_public_holiday(day.date(), country="US"):
            return (
                f"{day:%Y-%m-%d} is a public holiday where the consumer may be ({zone_name}); your "
                "organization does not call on public holidays."
            )
    return None


def _hours(facts: Facts) -> tuple[time, ...]:
    return (facts.policy.earliest,)


PACK = Pack(
    name="Organization policy",
    applies=always,
    rules=(
        Rule("ORG_CALL_FREQUENCY", Effect.BLOCK, CITATION, call_frequency, time_based=True),
        Rule("ORG_CONTACT_HOURS", Effect.BLOCK, CITATION, contact_hours, time_based=True, boundaries=_hours),
        Rule("ORG_WEEKEND_CALL", Effect.BLOCK, CITATION, weekend_call, time_based=True),
        Rule("ORG_HOLIDAY_CALL", Effect.BLOCK, CITATION, holiday_call, time_based=True),
    ),
)
