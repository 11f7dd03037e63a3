"""What a rule pack is, and the helpers rules share. Pure.

A rule looks at the facts and ``now`` and returns a message when it fires (``None`` when it does not).
Its code, effect and citation are data on the ``Rule``; the engine turns a message into a ``Finding``.
``time_based`` marks rules that can stop firing just by waiting (hours, frequency windows): only those
are searched over for ``next_allowed_at``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from ..facts import Attempt, Email, Facts, Flag, Phone
from ..scenario import normalize_number
from ..zones import candidate_zones, zone

Check = Callable[[Facts, datetime], str | None]
Applies = Callable[[Facts], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    effect: str
    citation: str
    check: Check
    time_based: bool = False
    # Local wall-clock times at which this rule may stop firing, for the next-allowed search.
    boundaries: Callable[[Facts], Iterable[time]] | None = None


@dataclass(frozen=True, slots=True)
class RequirementRule:
    code: str
    citation: str
    check: Check


@dataclass(frozen=True, slots=True)
class Pack:
    """Data plus functions: which scenarios it governs, its rules and the content it requires."""

    name: str
    # Whether the pack governs, from the collector type and the debt type alone: it is shown facts with
    # only those two set, once for each combination (``packs.packs_for``).
    applies: Applies
    rules: tuple[Rule, ...] = ()
    requirements: tuple[RequirementRule, ...] = ()
    # A state's pack governs only where that state's law may apply: a consumer who lives there or a debt
    # governed by its law (``Facts.states``), and then where ``applies`` also says so.
    state: str = ""


def always(_facts: Facts) -> bool:
    return True


def zones_of(facts: Facts) -> tuple[str, ...]:
    return candidate_zones(facts.consumer)[0]


@lru_cache(maxsize=65536)
def local(at: datetime, zone_name: str) -> datetime:
    """Cached: a batch decides for one instant, and several rules ask for it in each consumer's zones."""
    return at.astimezone(zone(zone_name))


@lru_cache(maxsize=65536)
def local_date(at: datetime, zone_name: str) -> date:
    """Cached: the next-allowed search asks for the same history dates at every candidate instant."""
    return at.astimezone(zone(zone_name)).date()


def busiest_window(
    attempts: Iterable[Attempt], *, now: datetime, zone_name: str, days: int
) -> tuple[int, date, date]:
    """The most attempts in any run of ``days`` consecutive local dates that includes today.

    Every such window counts, not only the one ending today: the limit holds for any period of that
    length, and history may (in a scenario) include attempts already scheduled after ``now``.
    """
    today = local_date(now, zone_name)
    per_day = Counter(local_date(a.at, zone_name) for a in attempts)
    # Daily counts from today-(days-1) to today+(days-1); slide a window of `days` across them.
    span = [today + timedelta(days=i) for i in range(-(days - 1), days)]
    counts = [per_day.get(day, 0) for day in span]
    total = sum(counts[:days])
    best = (total, span[0], span[days - 1])
    for start in range(1, days):
        total += counts[start + days - 1] - counts[start - 1]
        if total > best[0]:
            best = (total, span[start], span[start + days - 1])
    return best


def resolve_phone(facts: Facts) -> tuple[Phone | None, bool]:
    """The phone the action targets, and whether the target is known at all.

    A target not among the consumer's numbers is known but has no recorded kind or consent. With no
    target, the consumer's only number is meant; with several, the target is unknown.
    """
    phones = facts.consumer.phones
    target = facts.action.target
    if target:
        number = normalize_number(target)
        return next((p for p in phones if p.number == number), None), True
    if len(phones) == 1:
        return phones[0], True
    return None, False


def resolve_email(facts: Facts) -> tuple[Email | None, bool]:
    emails = facts.consumer.emails
    target = facts.action.target
    if target:
        address = target.strip().lower()
        return next((e for e in emails if e.address == address), None), True
    if len(emails) == 1:
        return emails[0], True
    return None, False


def phone_kind(facts: Facts, number: str | None) -> str | None:
    """The recorded kind of a number, or None when unknown."""
    if not number:
        return None
    normalized = normalize_number(number)
    for phone in facts.consumer.phones:
        if phone.number == normalized:
            return phone.kind
    for email in facts.consumer.emails:
        if email.address == number.strip().lower():
            return email.kind
    return None


def action_target_kinds(facts: Facts) -> set[str | None]:
    """The kinds the action's target may have: one when known, every recorded kind (and None) if not."""
    channel = facts.action.channel
    if channel in ("call", "voicemail", "sms"):
        phone, known = resolve_phone(facts)
        if known:
            return {phone.kind if phone else None}
        return {p.kind for p in facts.consumer.phones} | {None}
    if channel == "email":
        email, known = resolve_email(facts)
        if known:
            return {email.kind if email else None}
        return {e.kind for e in facts.consumer.emails} | {None}
    if channel == "visit":
        return {address_kind(facts)}
    return {None}


def address_kind(facts: Facts) -> str | None:
    target = (facts.action.target or "").strip().casefold()
    addresses = facts.consumer.addresses
    if target:
        for address in addresses:
            if address.line and address.line.strip().casefold() == target:
                return address.kind
        return None
    if len(addresses) == 1:
        return addresses[0].kind
    return None


def fmt_local(at: datetime, zone_name: str) -> str:
    return f"{local(at, zone_name):%a %Y-%m-%d %H:%M} {zone_name}"


def time_barred(facts: Facts, now: datetime) -> bool:
    """Whether suit on the debt is time-barred in some candidate zone at ``now`` (or flagged so)."""
    if Flag.TIME_BARRED in facts.flags:
        return True
    expires = facts.debt.limitation_expires_on
    # The expiry date is the last day a suit is timely; the debt is time-barred from the next day.
    return expires is not None and any(local_date(now, z) > expires for z in zones_of(facts))


def time_barred_disclosure(state: str, citation: str) -> RequirementRule:
    """A state that requires a disclosure on time-barred debt. Shared wording; the citation is the state's."""

    def check(facts: Facts, now: datetime) -> str | None:
        if state in facts.states and time_barred(facts, now):
            return (
                f"{state}: disclose that the debt is too old to sue on (the state's prescribed wording), "
                f"and whether a payment would restart the limitation period."
            )
        return None

    return RequirementRule("TIME_BARRED_DISCLOSURE", citation, check)
