"""Pure rules of automation: strategy definitions and segments, the score heuristic, the
champion/challenger split and its report's interval, and when a periodic job is due.

No ORM, no clock: `now` and `today` are parameters.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

AGING = ("current", "1-30", "31-60", "61-90", "91-120", "121-180", "181-365", "365+")
PROMISE_STATES = ("none", "pending", "kept", "broken")
PLAN_STATES = ("none", "active", "delinquent", "completed", "broken", "cancelled")
MESSAGE_ACTIONS = ("email", "sms", "letter")
ACTIONS = (*MESSAGE_ACTIONS, "call", "settlement", "legal_review", "assign_team", "stop")

# Conditions a segment may set, with the kind of value each takes.
LIST_CONDITIONS = {
    "aging": AGING,
    "debt_type": ("consumer", "commercial"),
    "state": None,
    "client": None,
    "status": None,
    "promise": PROMISE_STATES,
    "plan": PLAN_STATES,
}
RANGE_CONDITIONS = (
    "balance",
    "score",
    "days_since_placement",
    "days_since_contact",
    "days_since_payment",
    "days_since_rpc",
)
HOLD_CONDITIONS = ("none", "any")


class DefinitionProblem(ValueError):
    """A strategy file that cannot be used, with every problem found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    wait_days: int = 0
    template: str = ""
    reason: str = ""
    team: str = ""
    discount_pct: Decimal = Decimal(0)
    expires_days: int = 30

    def label(self) -> str:
        what = self.template or self.team or self.reason or ""
        return f"{self.action}:{what}" if what else self.action


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    when: Mapping[str, Any]
    steps: tuple[Step, ...]


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    description: str
    priority: int
    segments: tuple[Segment, ...]

    def step(self, segment: str, index: int) -> Step | None:
        for s in self.segments:
            if s.name == segment:
                return s.steps[index] if 0 <= index < len(s.steps) else None
        return None


def _int(value: Any, where: str, problems: list[str], *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        problems.append(f"{where}: a whole number ≥ {minimum}")
        return minimum
    return value


def _decimal(value: Any, where: str, problems: list[str]) -> Decimal:
    try:
        if isinstance(value, float):
            value = repr(value)
        d = Decimal(str(value))
        if not d.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        problems.append(f"{where}: not a number: {value!r}")
        return Decimal(0)
    return d


def _when(raw: Any, where: str, problems: list[str]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{where}: a table of conditions")
        return {}
    when: dict[str, Any] = {}
    for key, value in raw.items():
        if key in LIST_CONDITIONS:
            values = value if isinstance(value, list) else [value]
            allowed = LIST_CONDITIONS[key]
            bad = [v for v in values if not isinstance(v, str) or (allowed and v not in allowed)]
            if bad or not values:
                problems.append(f"{where}.{key}: {bad or 'empty'} not among {list(allowed or ['text'])}")
            when[key] = [str(v) for v in values]
        elif key.endswith(("_min", "_max")) and key[:-4] in RANGE_CONDITIONS:
            when[key] = _decimal(value, f"{where}.{key}", problems)
        elif key == "holds":
            if value not in HOLD_CONDITIONS:
                problems.append(f"{where}.holds: one of {list(HOLD_CONDITIONS)}")
            when[key] = value
        else:
            problems.append(f"{where}: unknown condition {key!r}")
    return when


def _step(raw: Any, where: str, problems: list[str]) -> Step | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a table")
        return None
    action = raw.get("action")
    if action not in ACTIONS:
        problems.append(f"{where}.action: one of {list(ACTIONS)}")
        return None
    known = {"action", "wait_days", "template", "reason", "team", "discount_pct", "expires_days"}
    for key in raw.keys() - known:
        problems.append(f"{where}: unknown field {key!r}")
    step = Step(
        action=action,
        wait_days=_int(raw.get("wait_days", 0), f"{where}.wait_days", problems),
        template=str(raw.get("template", "")),
        reason=str(raw.get("reason", "")),
        team=str(raw.get("team", "")),
        discount_pct=_decimal(raw.get("discount_pct", 0), f"{where}.discount_pct", problems),
        expires_days=_int(raw.get("expires_days", 30), f"{where}.expires_days", problems, minimum=1),
    )
    if action in MESSAGE_ACTIONS and not step.template:
        problems.append(f"{where}: a {action} step names its template")
    if action == "assign_team" and not step.team:
        problems.append(f"{where}: an assign_team step names its team")
    if action == "settlement" and not (Decimal(0) < step.discount_pct < Decimal(100)):
        problems.append(f"{where}.discount_pct: between 0 and 100")
    return step


def definition_parse(text: str) -> Definition:
    """Read a strategy file (TOML, docs/strategies.md). Raises `DefinitionProblem` with every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DefinitionProblem([f"not valid TOML: {exc}"]) from None
    return definition_from(data)


def definition_from(data: Mapping[str, Any]) -> Definition:
    problems: list[str] = []
    name = data.get("name")
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        problems.append("name: letters, digits, '-' or '_'")
        name = ""
    for key in data.keys() - {"name", "description", "priority", "segments"}:
        problems.append(f"unknown field {key!r}")
    segments: list[Segment] = []
    raw_segments = data.get("segments")
    if not isinstance(raw_segments, list) or not raw_segments:
        problems.append("segments: at least one [[segments]]")
        raw_segments = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_segments, 1):
        where = f"segments[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: a table")
            continue
        seg_name = str(raw.get("name") or f"segment-{i}")
        if seg_name in seen:
            problems.append(f"{where}.name: {seg_name!r} used twice")
        seen.add(seg_name)
        for key in raw.keys() - {"name", "when", "steps"}:
            problems.append(f"{where}: unknown field {key!r}")
        raw_steps = raw.get("steps")
        if not isinstance(raw_steps, list) or not raw_steps:
            problems.append(f"{where}.steps: at least one [[segments.steps]]")
            raw_steps = []
        steps = [_step(s, f"{where}.steps[{j}]", problems) for j, s in enumerate(raw_steps, 1)]
        segments.append(
            Segment(seg_name, _when(raw.get("when"), f"{where}.when", problems), tuple(s for s in steps if s))
        )
    priority = _int(data.get("priority", 100), "priority", problems)
    if problems:
        raise DefinitionProblem(problems)
    return Definition(name, str(data.get("description", "")), priority, tuple(segments))


def definition_to_data(d: Definition) -> dict[str, Any]:
    """The JSON stored with a version (and what `definition_from` reads back)."""
    return {
        "name": d.name,
        "description": d.description,
        "priority": d.priority,
        "segments": [
            {
                "name": s.name,
                "when": {k: (str(v) if isinstance(v, Decimal) else v) for k, v in s.when.items()},
                "steps": [_step_data(st) for st in s.steps],
            }
            for s in d.segments
        ],
    }


def _step_data(st: Step) -> dict[str, Any]:
    data: dict[str, Any] = {"action": st.action, "wait_days": st.wait_days}
    if st.template:
        data["template"] = st.template
    if st.reason:
        data["reason"] = st.reason
    if st.team:
        data["team"] = st.team
    if st.action == "settlement":
        data["discount_pct"] = str(st.discount_pct)
        data["expires_days"] = st.expires_days
    return data


# --- segments ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What segments and the score read about one account on a day."""

    account_id: int
    status: str
    debt_type: str
    state: str
    client: str
    balance: Decimal
    aging: str
    days_past_due: int
    days_since_placement: int | None = None
    days_since_contact: int | None = None
    days_since_payment: int | None = None
    days_since_rpc: int | None = None
    promise: str = "none"
    plan: str = "none"
    holds: frozenset[str] = field(default_factory=frozenset)


def score_heuristic(f: AccountFacts) -> int:
    """0–100, higher is likelier to pay, until the scoring app's models land (docs/strategies.md).

    Starts at 50; fresher debt scores higher (−1 a week past due, at most −30); a payment in the last 90
    days +20; a right-party contact in the last 30 days +10; a kept promise +10, a broken one −10;
    balances over 5,000 −10; any hold scores 0."""
    if f.holds:
        return 0
    score = 50 - min(f.days_past_due // 7, 30)
    if f.days_since_payment is not None and f.days_since_payment <= 90:
        score += 20
    if f.days_since_rpc is not None and f.days_since_rpc <= 30:
        score += 10
    score += {"kept": 10, "broken": -10}.get(f.promise, 0)
    if f.balance > 5000:
        score -= 10
    return max(0, min(100, score))


def _in_range(value: Decimal | int | None, when: Mapping[str, Any], name: str) -> bool:
    low, high = when.get(f"{name}_min"), when.get(f"{name}_max")
    if low is None and high is None:
        return True
    if value is None:
        # "days since last contact ≥ 30" holds for an account never contacted; "≤ 30" does not.
        return high is None and name.startswith("days_since")
    return (low is None or value >= low) and (high is None or value <= high)


def segment_matches(when: Mapping[str, Any], f: AccountFacts) -> bool:
    values = {
        "aging": f.aging,
        "debt_type": f.debt_type,
        "state": f.state,
        "client": f.client,
        "status": f.status,
        "promise": f.promise,
        "plan": f.plan,
    }
    for key, wanted in when.items():
        if key in values and values[key] not in wanted:
            return False
    if when.get("holds") == "none" and f.holds:
        return False
    if when.get("holds") == "any" and not f.holds:
        return False
    numbers: dict[str, Decimal | int | None] = {
        "balance": f.balance,
        "score": score_heuristic(f),
        "days_since_placement": f.days_since_placement,
        "days_since_contact": f.days_since_contact,
        "days_since_payment": f.days_since_payment,
        "days_since_rpc": f.days_since_rpc,
    }
    return all(_in_range(v, when, name) for name, v in numbers.items())


def segment_for(d: Definition, f: AccountFacts) -> Segment | None:
    return next((s for s in d.segments if segment_matches(s.when, f)), None)


# --- champion/challenger -------------------------------------------------------------------------------


def arm_for(experiment: str, account_id: int, shares: Sequence[int]) -> int:
    """The arm of an account: a stable hash of (experiment, account) into [0, 100), cut at the shares
    (whole percentages summing to 100). The same inputs give the same arm on every machine and run."""
    digest = hashlib.sha256(f"{experiment}:{account_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") % 10_000 / 100
    edge = 0.0
    for i, share in enumerate(shares):
        edge += share
        if point < edge:
            return i
    return len(shares) - 1


@dataclass(frozen=True, slots=True)
class ArmOutcome:
    """Per account of an arm: what it owed at assignment and what it has paid since."""

    owed: Sequence[Decimal]
    paid: Sequence[Decimal]


@dataclass(frozen=True, slots=True)
class Lift:
    rate_a: float
    rate_b: float
    lift: float
    low: float
    high: float
    significant: bool


def liquidation_rate(arm: ArmOutcome) -> float:
    owed = sum(arm.owed, Decimal(0))
    return float(sum(arm.paid, Decimal(0)) / owed) if owed > 0 else 0.0


def _ratio_variance(arm: ArmOutcome) -> float:
    """Variance of a ratio of sums R = Σpaid/Σowed by the delta method (linearisation):
    Var(R) ≈ s²(paid − R·owed) / (n · mean(owed)²), with the sample variance s² (n − 1)."""
    n = len(arm.owed)
    if n < 2:
        return math.inf
    r = liquidation_rate(arm)
    mean_owed = float(sum(arm.owed, Decimal(0))) / n
    if mean_owed == 0:
        return math.inf
    residuals = [float(p) - r * float(o) for p, o in zip(arm.paid, arm.owed, strict=True)]
    mean = sum(residuals) / n
    s2 = sum((x - mean) ** 2 for x in residuals) / (n - 1)
    return s2 / (n * mean_owed**2)


def lift_interval(champion: ArmOutcome, challenger: ArmOutcome, z: float = 1.959964) -> Lift:
    """The challenger's lift: its liquidation rate minus the champion's, with a 95% interval
    (normal approximation; each arm's variance by the delta method; arms independent)."""
    a, b = liquidation_rate(champion), liquidation_rate(challenger)
    se = math.sqrt(_ratio_variance(champion) + _ratio_variance(challenger))
    lift = b - a
    if not math.isfinite(se):
        return Lift(a, b, lift, -math.inf, math.inf, False)
    low, high = lift - z * se, lift + z * se
    return Lift(a, b, lift, low, high, low > 0 or high < 0)


# --- the schedule --------------------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def cron_fire_times(cron: str, tz: str, *, after: datetime, until: datetime) -> list[datetime]:
    """The instants a cron expression (read in the zone `tz`) fires in (after, until], through
    APScheduler's trigger, which keeps local wall-clock times across DST changes: a 02:30 job on the
    spring-forward day runs once, at the first valid instant, and once on the fall-back day."""
    from apscheduler.triggers.cron import CronTrigger

    trigger = CronTrigger.from_crontab(cron, timezone=zone(tz))
    found: list[datetime] = []
    walls: list[datetime] = []
    cursor = after + timedelta(microseconds=1)
    for _ in range(100_000):
        # Asked from `cursor` alone (no previous fire time): APScheduler 3 answers the same instant again
        # when given the previous one inside a fall-back hour.
        local = trigger.get_next_fire_time(None, cursor)
        if local is None:
            break
        # In UTC at once: an aware time in a DST gap or fold never compares equal across zones (PEP 495).
        current = local.astimezone(UTC)
        if current > until:
            break
        wall = local.replace(tzinfo=None, fold=0)
        if walls and wall == walls[-1]:
            # A wall-clock time that happens twice (the fall-back hour) runs once: skip the repeat.
            cursor = current + timedelta(minutes=1)
            continue
        found.append(current)
        walls.append(wall)
        cursor = current + timedelta(seconds=1)
    return found


def due_period(cron: str, tz: str, *, now: datetime, lookback: timedelta) -> datetime | None:
    """The latest fire time at or before `now` within `lookback`: the period a scheduler tick owes."""
    times = cron_fire_times(cron, tz, after=now - lookback, until=now)
    return times[-1] if times else None


def next_fire(cron: str, tz: str, *, now: datetime) -> datetime | None:
    times = cron_fire_times(cron, tz, after=now, until=now + timedelta(days=8))
    return times[0] if times else None


def local_date(at: datetime, tz: str) -> date:
    return at.astimezone(zone(tz)).date()
