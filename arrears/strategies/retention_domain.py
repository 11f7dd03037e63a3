"""When personal data may be erased. Pure: no ORM, no clock.

Reg F 12 CFR 1006.100(a): a debt collector keeps the records that evidence its compliance from its
first communication or attempt until three years after its last communication or attempt about the
debt. GDPR art. 17(3)(b) and (e) and CCPA 1798.105(d) let that legal obligation, a legal hold and an
open legal claim prevail over an erasure request; once none stands, the request is honoured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

RETENTION_YEARS = 3  # Reg F 1006.100(a)

# Holds under which the records are evidence in a proceeding: kept whatever the request.
LEGAL_HOLDS = frozenset({"litigation", "bankruptcy"})
# A dispute is a claim the collector must still answer (FDCPA 1692g(b)).
CLAIM_HOLDS = frozenset({"dispute"})
# Statuses in which the creditor no longer claims the balance through us.
SETTLED_STATUSES = frozenset({"paid", "settled", "closed", "recalled"})


@dataclass(frozen=True, slots=True)
class AccountFacts:
    account_id: int
    status: str
    owed: Decimal


@dataclass(frozen=True, slots=True)
class ErasureDecision:
    erasable: bool
    reasons: tuple[str, ...]
    retain_until: date | None


def retention_end(last_activity: date) -> date:
    """Three years after the last collection activity (29 February ends on 28 February)."""
    try:
        return last_activity.replace(year=last_activity.year + RETENTION_YEARS)
    except ValueError:
        return last_activity.replace(year=last_activity.year + RETENTION_YEARS, day=28)


def erasure_decision(
    *, last_activity: date | None, today: date, holds: Sequence[str], accounts: Sequence[AccountFacts]
) -> ErasureDecision:
    reasons: list[str] = []
    until = retention_end(last_activity) if last_activity else None
    if until is not None and today < until:
        reasons.append(f"Reg F 1006.100: records kept until {until.isoformat()}")
    reasons += [f"legal hold: {kind}" for kind in sorted(set(holds) & LEGAL_HOLDS)]
    reasons += [f"open claim: {kind}" for kind in sorted(set(holds) & CLAIM_HOLDS)]
    reasons += [
        f"open claim: account {a.account_id} owes {a.owed}"
        for a in accounts
        if a.owed > 0 and a.status not in SETTLED_STATUSES
    ]
    return ErasureDecision(not reasons, tuple(reasons), until)
