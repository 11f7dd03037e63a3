"""US Regulation F (12 CFR part 1006), the FDCPA's rule: conduct limits on consumer debt collection.

Arrears holds first-party collection of consumer debts to the same conduct limits (hours, frequency,
cease, attorney, opt-out, disputes): creditors face the same standards under state law and the UDAAP
rules, and one standard is simpler to explain. What only a debt collector owes (the validation notice,
the mini-Miranda) is in ``reg_f_debt_collector``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from ..calendar import validation_period
from ..facts import CALL_CHANNELS, TIMED_CHANNELS, Direction, Effect, Facts, Flag, Outcome, Purpose
from ..zones import candidate_zones
from .base import (
    Pack,
    RequirementRule,
    Rule,
    action_target_kinds,
    busiest_window,
    fmt_local,
    local,
    local_date,
    resolve_email,
    time_barred,
    zones_of,
)

EARLIEST = time(8, 0)
LATEST = time(21, 0)
CALL_LIMIT = 7
CALL_WINDOW_DAYS = 7
# Outcomes that are not a call "placed" for the frequency count: the line never rang.
NOT_PLACED = frozenset({Outcome.BUSY, Outcome.NOT_IN_SERVICE})


def consumer_debt(facts: Facts) -> bool:
    return facts.debt.type != "commercial"


def _counted_calls(facts: Facts):
    return [
        a
        for a in facts.history
        if a.channel in CALL_CHANNELS
        and a.direction == Direction.OUTBOUND
        and a.outcome not in NOT_PLACED
        and a.concerns(facts.debt.id)
    ]


def call_frequency(facts: Facts, now: datetime) -> str | None:
    """1006.14(b)(2)(i)(A): more than 7 calls about a debt within 7 consecutive days.

    The call being decided is the next one, so it is blocked once some 7-day run of local dates that
    includes today already holds 7 counted calls. With several candidate zones, any zone's dates count.
    """
    if facts.action.channel not in CALL_CHANNELS:
        return None
    calls = _counted_calls(facts)
    if len(calls) < CALL_LIMIT:
        return None
    for zone_name in zones_of(facts):
        count, first, last = busiest_window(calls, now=now, zone_name=zone_name, days=CALL_WINDOW_DAYS)
        if count >= CALL_LIMIT:
            return (
                f"{count} calls about this debt were placed on {first:%Y-%m-%d} to {last:%Y-%m-%d} "
                f"({zone_name} dates); another call would exceed 7 in 7 consecutive days."
            )
    return None


def post_conversation(facts: Facts, now: datetime) -> str | None:
    """1006.14(b)(2)(i)(B): no call within 7 days after a telephone conversation about the debt.

    A conversation on day d (inbound or outbound) blocks calls through day d+6.
    """
    if facts.action.channel not in CALL_CHANNELS:
        return None
    talks = [
        a
        for a in facts.history
        if a.channel in CALL_CHANNELS and a.outcome == Outcome.CONVERSATION and a.concerns(facts.debt.id)
    ]
    for zone_name in zones_of(facts):
        today = local_date(now, zone_name)
        for talk in talks:
            day = local_date(talk.at, zone_name)
            if day <= today <= day + timedelta(days=6):
                return (
                    f"A telephone conversation about this debt took place on {day:%Y-%m-%d} "
                    f"({zone_name}); "
                    f"no call may be placed through {day + timedelta(days=6):%Y-%m-%d}."
                )
    return None


def inconvenient_time(facts: Facts, now: datetime) -> str | None:
    """1006.6(b)(1)(i): before 8 a.m. or at or after 9 p.m. local time, in any candidate zone."""
    if facts.action.channel not in TIMED_CHANNELS:
        return None
    for zone_name in zones_of(facts):
        wall = local(now, zone_name).time()
        if wall < EARLIEST or wall >= LATEST:
            return (
                f"It is {fmt_local(now, zone_name)} where the consumer may be; contact is allowed only "
                f"from 08:00 to before 21:00 local time in every candidate zone."
            )
    return None


def consumer_inconvenient_time(facts: Facts, now: datetime) -> str | None:
    """1006.6(b)(1)(i): a time the consumer said is inconvenient (wrapping past midnight allowed)."""
    if facts.action.channel not in TIMED_CHANNELS or not facts.consumer.inconvenient_times:
        return None
    for zone_name in zones_of(facts):
        wall = local(now, zone_name)
        minute = wall.hour * 60 + wall.minute + (wall.second + wall.microsecond / 1e6) / 60
        weekday = wall.weekday()
        for w in facts.consumer.inconvenient_times:
            if w.start_minute < w.end_minute:
                inside = weekday in w.days and w.start_minute <= minute < w.end_minute
            else:  # wraps past midnight: the days name the evening it starts
                inside = (weekday in w.days and minute >= w.start_minute) or (
                    (weekday - 1) % 7 in w.days and minute < w.end_minute
                )
            if inside:
                return f"The consumer said this time is inconvenient ({fmt_local(now, zone_name)})."
    return None


def window_ends(facts: Facts):
    for w in facts.consumer.inconvenient_times:
        if w.end_minute < 24 * 60:
            yield time(w.end_minute // 60, w.end_minute % 60)


def cease_communication(facts: Facts, now: datetime) -> str | None:
    """1006.6(c): after a cease or refusal, only confirmation and the remedy notice may be sent."""
    if Flag.CEASE_COMMUNICATION not in facts.flags:
        return None
    if facts.action.purpose in (Purpose.CEASE_CONFIRMATION, Purpose.REMEDY_NOTICE):
        return None
    return (
        "The consumer asked us to stop communicating (or refused to pay); only a confirmation or a "
        "remedy notice may be sent."
    )


def attorney_represented(facts: Facts, now: datetime) -> str | None:
    """1006.6(b)(2): a consumer known to be represented by an attorney is contacted through the attorney."""
    if Flag.ATTORNEY_REPRESENTED in facts.flags:
        return (
            "The consumer is represented by an attorney about this debt; communicate with the attorney "
            "instead."
        )
    return None


def medium_opt_out(facts: Facts, now: datetime) -> str | None:
    """1006.14(h): no communication through a medium the consumer asked us not to use."""
    channel = facts.action.channel
    opted = facts.consumer.opt_outs
    hit = channel in opted or (channel == "voicemail" and "call" in opted)
    if not hit or facts.action.purpose == Purpose.OPTOUT_CONFIRMATION:
        return None
    return f"The consumer opted out of {channel}; only a confirmation of the opt-out may be sent this way."


def work_email(facts: Facts, now: datetime) -> str | None:
    """1006.22(f)(3): not to an email address the employer provides, unless the consumer used or allowed "
    "it."""
    if facts.action.channel != "email":
        return None
    email, known = resolve_email(facts)
    candidates = ([email] if email else []) if known else list(facts.consumer.emails)
    for candidate in candidates:
        if candidate.kind == "work" and not (candidate.consented or candidate.used):
            return (
                f"{candidate.address} is an employer-provided address the consumer has neither used to "
                f"write to us nor consented to."
            )
    return None


def workplace_prohibited(facts: Facts, now: datetime) -> str | None:
    """1006.6(b)(3): no communication at work once we know the employer prohibits it."""
    if Flag.EMPLOYER_PROHIBITS_CONTACT not in facts.flags:
        return None
    channel = facts.action.channel
    kinds = action_target_kinds(facts)
    if channel in ("call", "voicemail", "sms") and "work" in kinds:
        return (
            "The consumer said their employer prohibits these communications at work, and this number is "
            "a work number."
        )
    if channel == "visit" and ("work" in kinds or None in kinds):
        return (
            "The consumer said their employer prohibits contact at work, and this visit is not to a "
            "known home address."
        )
    return None


def dispute_unverified(facts: Facts, now: datetime) -> str | None:
    """1006.38(d)(2): after a timely written dispute, collection stops until verification is sent."""
    debt = facts.debt
    if debt.disputed_on is None or not debt.dispute_written or facts.action.purpose == Purpose.VERIFICATION:
        return None
    ends = debt.validation_period_ends_on
    if ends is None and debt.validation_notice_sent_on is not None:
        ends = validation_period(debt.validation_notice_sent_on).ends_on
    if ends is not None and debt.disputed_on > ends:
        return None
    if debt.verification_sent_on is not None and debt.verification_sent_on >= debt.disputed_on:
        return None
    return (
        f"The consumer disputed this debt in writing on {debt.disputed_on:%Y-%m-%d}, within the "
        "validation "
        f"period, and no verification has been sent; only the verification may be sent."
    )


def time_barred_suit(facts: Facts, now: datetime) -> str | None:
    """1006.26(b): no suit, and no threat of one, on a time-barred debt."""
    if facts.action.purpose != Purpose.LAWSUIT or not time_barred(facts, now):
        return None
    expires = facts.debt.limitation_expires_on
    when = f" (the limitation period expired on {expires:%Y-%m-%d})" if expires else ""
    return f"This debt is time-barred{when}; suing or threatening to sue is prohibited."


def location_unknown(facts: Facts, now: datetime) -> str | None:
    zones, known = candidate_zones(facts.consumer)
    if known:
        return None
    return (
        "No time zone, address or geographic phone number is known; the window that is convenient in "
        "all "
        f"of {', '.join(zones)} is used."
    )


def electronic(facts: Facts, now: datetime) -> str | None:
    if facts.action.channel in ("email", "sms"):
        return (
            "Include a clear and conspicuous, reasonable and simple way to opt out of further emails or "
            "texts."
        )
    return None


def voicemail(facts: Facts, now: datetime) -> str | None:
    if facts.action.channel == "voicemail":
        return (
            "Leave only a limited-content message: a business name that does not indicate debt "
            "collection, "
            "a request to reply, a name to contact, a phone number, and how to opt out."
        )
    return None


PACK = Pack(
    name="US Regulation F (12 CFR 1006)",
    applies=consumer_debt,
    rules=(
        Rule(
            "REG_F_CALL_FREQUENCY",
            Effect.BLOCK,
            "12 CFR 1006.14(b)(2)(i)(A)",
            call_frequency,
            time_based=True,
        ),
        Rule(
            "REG_F_POST_CONVERSATION",
            Effect.BLOCK,
            "12 CFR 1006.14(b)(2)(i)(B)",
            post_conversation,
            time_based=True,
        ),
        Rule(
            "INCONVENIENT_TIME",
            Effect.BLOCK,
            "12 CFR 1006.6(b)(1)(i)",
            inconvenient_time,
            time_based=True,
            boundaries=lambda facts: (EARLIEST,),
        ),
        Rule(
            "CONSUMER_INCONVENIENT_TIME",
            Effect.BLOCK,
            "12 CFR 1006.6(b)(1)(i)",
            consumer_inconvenient_time,
            time_based=True,
            boundaries=window_ends,
        ),
        Rule("CEASE_COMMUNICATION", Effect.BLOCK, "12 CFR 1006.6(c)", cease_communication),
        Rule("ATTORNEY_REPRESENTED", Effect.BLOCK, "12 CFR 1006.6(b)(2)", attorney_represented),
        Rule("MEDIUM_OPT_OUT", Effect.BLOCK, "12 CFR 1006.14(h)", medium_opt_out),
        Rule("WORK_EMAIL", Effect.BLOCK, "12 CFR 1006.22(f)(3)", work_email),
        Rule("WORKPLACE_PROHIBITED", Effect.BLOCK, "12 CFR 1006.6(b)(3)", workplace_prohibited),
        Rule("DISPUTE_UNVERIFIED", Effect.BLOCK, "12 CFR 1006.38(d)(2)", dispute_unverified),
        Rule("TIME_BARRED_SUIT", Effect.BLOCK, "12 CFR 1006.26(b)", time_barred_suit),
        Rule("LOCATION_UNKNOWN", Effect.WARN, "12 CFR 1006.6(b)(1)(i)", location_unknown),
    ),
    requirements=(
        RequirementRule("ELECTRONIC_OPT_OUT_NOTICE", "12 CFR 1006.6(e)", electronic),
        RequirementRule("LIMITED_CONTENT_MESSAGE", "12 CFR 1006.2(j)", voicemail),
    ),
)
