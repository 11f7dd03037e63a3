"""The compliance engine: rule packs applied to facts at an instant. Pure: no ORM, no clock, no I/O.

``evaluate(facts, now=…)`` runs every pack that governs the scenario and returns a ``Decision``: the
findings (``block`` or ``warn``, each with a stable code, citation and message), the content the message
must carry, and ``next_allowed_at``: the earliest instant at which the same action passes, given no
new history (``now`` itself when allowed; ``None`` when a rule that waiting cannot clear blocks).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from .facts import Decision, Effect, Facts, Finding, Requirement
from .packs import packs_for
from .packs.base import Pack, Rule, zones_of
from .zones import zone

# Reasons are listed in this order (the order of the published table), then any others by code.
CODE_ORDER = (
    "REG_F_CALL_FREQUENCY", "REG_F_POST_CONVERSATION", "INCONVENIENT_TIME",
    "CONSUMER_INCONVENIENT_TIME", "CEASE_COMMUNICATION", "ATTORNEY_REPRESENTED", "BANKRUPTCY", "DECEASED",
    "MEDIUM_OPT_OUT", "NO_SMS_CONSENT", "WORK_EMAIL", "WORKPLACE_PROHIBITED", "DISPUTE_UNVERIFIED",
    "VALIDATION_NOTICE_OVERDUE", "TIME_BARRED_SUIT", "MA_CALL_FREQUENCY", "WA_CONTACT_FREQUENCY",
    "LOCATION_UNKNOWN",
)  # fmt: skip
REQUIREMENT_ORDER = ("MINI_MIRANDA", "ELECTRONIC_OPT_OUT_NOTICE", "TIME_BARRED_DISCLOSURE")

# How far past the later of `now` and the newest history item the search looks. The longest window is
# Massachusetts' 30 days; beyond that only clock rules remain, which clear within a day unless the
# consumer's own windows cover the whole week (then nothing is ever allowed: None).
SEARCH_DAYS = 40
MAX_SEARCH_DAYS = 400


_CODE_RANK = {code: i for i, code in enumerate(CODE_ORDER)}
_REQUIREMENT_RANK = {code: i for i, code in enumerate(REQUIREMENT_ORDER)}


def _finding_key(finding: Finding) -> tuple[int, str]:
    return (_CODE_RANK.get(finding.code, len(CODE_ORDER)), finding.code)


def _requirement_key(requirement: Requirement) -> tuple[int, str]:
    return (_REQUIREMENT_RANK.get(requirement.code, len(REQUIREMENT_ORDER)), requirement.code)


# Findings and requirements are values, and most repeat word for word from one decision to the next
# (the same notice required of every email): each is made once, not once a decision. Bounded, as
# messages may name a date or a count.
@lru_cache(maxsize=4096)
def _finding(code: str, effect: str, citation: str, message: str) -> Finding:
    return Finding(code, Effect(effect), citation, message)


@lru_cache(maxsize=4096)
def _requirement(code: str, citation: str, message: str) -> Requirement:
    return Requirement(code, citation, message)


class _Outcome(NamedTuple):
    findings: tuple[Finding, ...]
    requirements: tuple[Requirement, ...]
    time_blocked: bool
    fixed_blocked: bool  # blocked by a rule that waiting cannot clear

    @property
    def allowed(self) -> bool:
        return not (self.time_blocked or self.fixed_blocked)


def _rules(packs: Iterable[Pack]) -> list[Rule]:
    return [rule for pack in packs for rule in pack.rules]


def _assess(facts: Facts, now: datetime, packs: Sequence[Pack]) -> _Outcome:
    findings: dict[str, Finding] = {}
    time_blocked = fixed_blocked = False
    for rule in _rules(packs):
        message = rule.check(facts, now)
        if message is None:
            continue
        if rule.code not in findings:
            findings[rule.code] = _finding(rule.code, rule.effect, rule.citation, message)
        if rule.effect == Effect.BLOCK:
            if rule.time_based:
                time_blocked = True
            else:
                fixed_blocked = True
    merged: dict[str, Requirement] = {}
    for pack in packs:
        for req in pack.requirements:
            message = req.check(facts, now)
            if message is None:
                continue
            if (seen := merged.get(req.code)) is None:
                merged[req.code] = _requirement(req.code, req.citation, message)
            elif req.citation not in seen.citation:
                merged[req.code] = _requirement(
                    req.code, f"{seen.citation}; {req.citation}", f"{seen.message} {message}"
                )
    return _Outcome(
        tuple(sorted(findings.values(), key=_finding_key)) if len(findings) > 1 else tuple(findings.values()),
        tuple(sorted(merged.values(), key=_requirement_key)) if len(merged) > 1 else tuple(merged.values()),
        time_blocked,
        fixed_blocked,
    )


def _time_blocked(facts: Facts, now: datetime, rules: Sequence[Rule]) -> bool:
    return any(r.effect == Effect.BLOCK and r.check(facts, now) is not None for r in rules)


def evaluate(facts: Facts, *, now: datetime) -> Decision:
    if now.tzinfo is None:
        raise ValueError("now must be aware")
    now = now.astimezone(UTC)
    packs = packs_for(facts)
    outcome = _assess(facts, now, packs)
    if outcome.allowed:
        next_at: datetime | None = now
    elif outcome.fixed_blocked:
        next_at = None
    else:
        next_at = _search(facts, now, packs)
    return Decision(
        allowed=outcome.allowed,
        reasons=outcome.findings,
        requirements=outcome.requirements,
        next_allowed_at=next_at,
        zones=zones_of(facts),
    )


def _search(facts: Facts, now: datetime, packs: Sequence[Pack]) -> datetime | None:
    """The earliest instant after ``now`` at which the whole evaluation allows.

    Time-based rules only change from block to allow at a local midnight (date windows), at a local
    wall-clock boundary they name (08:00, a consumer window's end, 07:30) or at a DST transition, in some
    candidate zone. So those instants are the only candidates, tried in order. Rules that waiting cannot
    clear only ever start blocking as time passes, so once one blocks, nothing later is allowed.
    """
    timed = [r for r in _rules(packs) if r.time_based]
    for candidate in _candidates(facts, now, timed):
        if _time_blocked(facts, candidate, timed):
            continue
        outcome = _assess(facts, candidate, packs)
        if outcome.fixed_blocked:
            return None
        if outcome.allowed:
            return candidate
    return None


def _candidates(facts: Facts, now: datetime, timed: Sequence[Rule]) -> list[datetime]:
    latest = max([now, *(a.at for a in facts.history)])
    horizon = min(latest + timedelta(days=SEARCH_DAYS), now + timedelta(days=MAX_SEARCH_DAYS))
    walls = {time(0, 0)}
    for rule in timed:
        if rule.boundaries is not None:
            walls.update(rule.boundaries(facts))
    found: set[datetime] = set()
    for zone_name in zones_of(facts):
        tz = zone(zone_name)
        day = now.astimezone(tz).date()
        last = horizon.astimezone(tz).date() + timedelta(days=1)
        while day <= last:
            for wall in walls:
                found.add(datetime.combine(day, wall, tzinfo=tz).astimezone(UTC))
            found.update(_transitions(day, tz))
            day += timedelta(days=1)
    return sorted(t for t in found if now < t <= horizon + timedelta(days=2))


@lru_cache(maxsize=4096)
def _transitions(day: date, tz: ZoneInfo) -> tuple[datetime, ...]:
    """The UTC offset changes (DST) during a local day, to the second. A pure function of the day and
    the zone, cached: the search of a queue's hundreds of accounts asks it for the same days."""
    start = datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)
    end = start + timedelta(hours=25)
    if start.astimezone(tz).utcoffset() == end.astimezone(tz).utcoffset():
        return ()
    low, high = start, end
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(tz).utcoffset() == low.astimezone(tz).utcoffset():
            low = mid
        else:
            high = mid
    return (high.replace(microsecond=0) + (timedelta(seconds=1) if high.microsecond else timedelta(0)),)


# --- itemization (12 CFR 1006.34(c)(2)(vi)-(viii)) ---------------------------------------------------------

OWED_BUCKETS = frozenset({"principal", "interest", "fees", "costs"})


@dataclass(frozen=True, slots=True)
class LedgerLine:
    kind: str
    bucket: str
    amount: Decimal  # signed effect on the bucket
    effective_on: date
    reverses_kind: str | None = None  # for a reversal: the kind of the entry it reverses


@dataclass(frozen=True, slots=True)
class Itemization:
    itemization_date: date
    currency: str
    amount_on_itemization_date: Decimal
    interest: Decimal
    fees: Decimal
    payments: Decimal
    credits: Decimal
    current: Decimal

    @property
    def balances(self) -> bool:
        """amount on the itemization date + interest + fees − payments − credits = current amount."""
        total = self.amount_on_itemization_date + self.interest + self.fees - self.payments - self.credits
        return total == self.current


def itemize(lines: Iterable[LedgerLine], *, itemization_date: date, currency: str) -> Itemization:
    """Split the ledger at the itemization date. Every later movement lands in exactly one of interest,
    fees, payments or credits (a reversal in the category of what it reverses), so the equation holds
    by construction. Credit-balance entries (money owed back to the consumer) are not part of the debt.
    """
    opening = interest = fees = payments = credits = current = Decimal(0)
    for line in lines:
        if line.bucket not in OWED_BUCKETS:
            continue
        current += line.amount
        if line.effective_on <= itemization_date:
            opening += line.amount
            continue
        kind = line.reverses_kind if line.kind == "reversal" and line.reverses_kind else line.kind
        if kind == "interest":
            interest += line.amount
        elif kind in ("fee", "cost"):
            fees += line.amount
        elif kind == "payment":
            payments -= line.amount
        else:
            credits -= line.amount
    return Itemization(itemization_date, currency, opening, interest, fees, payments, credits, current)


# --- statute of limitations -----------------------------------------------------------------------------

LIMITATION_KINDS = ("written_contract", "open_account", "promissory_note", "oral")


@dataclass(frozen=True, slots=True)
class Limitation:
    state: str
    kind: str
    years: int
    citation: str


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def limitation_expires_on(*, accrued_on: date, limitation: Limitation) -> date:
    return add_years(accrued_on, limitation.years)


def accrual_date(
    *,
    delinquent_since: date | None,
    last_payment_on: date | None,
    charged_off_on: date | None,
    due_on: date | None,
) -> date | None:
    """When the limitation clock last started: default, restarted by a later payment (most states).

    Without a default date, the charge-off date and then the due date stand in.
    """
    start = delinquent_since or charged_off_on or due_on
    if start is None:
        return last_payment_on
    if last_payment_on is not None and last_payment_on > start:
        return last_payment_on
    return start
