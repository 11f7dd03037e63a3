"""Account lifecycle and aging. Pure: no ORM, no clock."""

from __future__ import annotations

from datetime import date

from .choices import AccountStatus as S
from .choices import AgingBucket

# Allowed moves of the status lifecycle. Terminal states (paid, settled, closed, recalled) may only be
# reopened to `active` (a reversed payment reopens a paid account) or closed.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset(
        {S.ACTIVE, S.PROMISED, S.ON_PLAN, S.DISPUTED, S.ON_HOLD, S.PAID, S.SETTLED, S.CLOSED, S.RECALLED}
    ),
    S.ACTIVE: frozenset(
        {S.PROMISED, S.ON_PLAN, S.SETTLED, S.PAID, S.DISPUTED, S.ON_HOLD, S.LEGAL, S.CLOSED, S.RECALLED}
    ),
    S.PROMISED: frozenset(
        {S.ACTIVE, S.ON_PLAN, S.SETTLED, S.PAID, S.DISPUTED, S.ON_HOLD, S.LEGAL, S.CLOSED, S.RECALLED}
    ),
    S.ON_PLAN: frozenset({S.ACTIVE, S.SETTLED, S.PAID, S.DISPUTED, S.ON_HOLD, S.LEGAL, S.CLOSED, S.RECALLED}),
    S.DISPUTED: frozenset({S.ACTIVE, S.ON_HOLD, S.PAID, S.SETTLED, S.CLOSED, S.RECALLED}),
    S.ON_HOLD: frozenset({S.ACTIVE, S.DISPUTED, S.LEGAL, S.PAID, S.SETTLED, S.CLOSED, S.RECALLED}),
    S.LEGAL: frozenset({S.ACTIVE, S.ON_PLAN, S.SETTLED, S.PAID, S.ON_HOLD, S.CLOSED, S.RECALLED}),
    S.SETTLED: frozenset({S.ACTIVE, S.CLOSED}),
    S.PAID: frozenset({S.ACTIVE, S.CLOSED}),
    S.CLOSED: frozenset({S.ACTIVE}),
    S.RECALLED: frozenset(),
}

# Statuses a person may set by hand (the API's status update). The others follow what happened: a
# promise, a plan, a dispute hold, a payment in full, a settlement, a recall.
MANUAL_STATUSES = frozenset({S.ACTIVE, S.ON_HOLD, S.LEGAL, S.CLOSED})

# Statuses in which collection activity (contact, strategies) goes on.
WORKABLE = frozenset({S.NEW, S.ACTIVE, S.PROMISED, S.ON_PLAN, S.LEGAL})


class IllegalTransition(ValueError):
    def __init__(self, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        super().__init__(f"cannot move an account from '{current}' to '{target}' (allowed: {allowed})")
        self.current = current
        self.target = target


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(current, target)


_BUCKET_EDGES: tuple[tuple[int, AgingBucket], ...] = (
    (0, AgingBucket.CURRENT),
    (30, AgingBucket.D1_30),
    (60, AgingBucket.D31_60),
    (90, AgingBucket.D61_90),
    (120, AgingBucket.D91_120),
    (180, AgingBucket.D121_180),
    (365, AgingBucket.D181_365),
)


def days_past_due(delinquent_since: date | None, as_of: date) -> int:
    """Days delinquent: the delinquency date itself is day 1. Not yet delinquent is 0."""
    if delinquent_since is None or as_of < delinquent_since:
        return 0
    return (as_of - delinquent_since).days + 1


def aging_bucket(delinquent_since: date | None, as_of: date) -> AgingBucket:
    days = days_past_due(delinquent_since, as_of)
    for upper, bucket in _BUCKET_EDGES:
        if days <= upper:
            return bucket
    return AgingBucket.D365_PLUS


def aging_delinquent_range(bucket: str, as_of: date) -> tuple[date | None, date | None]:
    """The delinquent_since dates (inclusive bounds, None = open) that fall in `bucket` on `as_of`.

    Lets a selector filter by bucket in SQL instead of computing it per row.
    """
    from datetime import timedelta

    lower_days = 1
    for upper, name in _BUCKET_EDGES:
        if name == bucket:
            if name == AgingBucket.CURRENT:
                return (as_of + timedelta(days=1), None)
            # days in [lower_days, upper]  <=>  delinquent_since in [as_of-upper+1, as_of-lower_days+1]
            return (as_of - timedelta(days=upper - 1), as_of - timedelta(days=lower_days - 1))
        lower_days = upper + 1
    if bucket == AgingBucket.D365_PLUS:
        return (None, as_of - timedelta(days=365))
    raise ValueError(f"unknown aging bucket: {bucket}")
