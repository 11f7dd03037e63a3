"""Scoring's reads: the work queue, the cash-flow forecast and its back-test, the model report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from arrears.accounts.domain import WORKABLE
from arrears.accounts.selectors import accounts_in_organization
from arrears.attempts.selectors import call_requests_open
from arrears.compliance.domain import evaluate
from arrears.compliance.facts import ActionChannel, Purpose
from arrears.compliance.gather import Request, facts_bases
from arrears.tenancy.selectors import organization_get, user_team_id

from . import domain
from .features import (
    features_all,
    promise_due_account_ids,
    promise_totals,
    queue_candidates,
    queue_signals,
)
from .forecasting import ForecastWeek, forecast_compute
from .models import AccountScore, QueueLock, ScoringModel
from .services import model_current, model_load

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.domain import Principal

# How the queue adjusts "balance × probability" (docs/scoring.md, "The work queue").
BROKEN_BOOST = 1.3  # a promise broken in the last 14 days: call while the debtor remembers it
CALLBACK_BOOST = 1.5  # the debtor (or a strategy) asked for a call now
RECENTLY_WORKED_HOURS = 4  # "next account" skips what the same collector took in this time
POOL = 200  # accounts read per round, by stored expected value
MAX_ROUNDS = 20  # at most this many rounds of POOL accounts for one queue
BARREN_ROUNDS = 5  # when none of these rounds' accounts is callable now, stop


@dataclass
class QueueRow:
    account_id: int
    reference: str
    score: float
    expected_value: Decimal
    reasons: list[str]
    contactable_at: datetime
    balance: Decimal = Decimal(0)
    currency: str = ""


@dataclass
class LaterRow:
    account_id: int
    reference: str
    expected_value: Decimal
    contactable_at: datetime | None  # None: waiting does not clear the block
    why: list[str]


@dataclass
class Queue:
    rows: list[QueueRow] = field(default_factory=list)
    later: list[LaterRow] = field(default_factory=list)
    model_version: int = 0
    fallback: bool = False


def _locked_by_others(organization_id: int, user_id: int, at: datetime) -> set[int]:
    held = QueueLock.objects.filter(organization_id=organization_id, locked_until__gt=at).exclude(
        user_id=user_id
    )
    worked = QueueLock.objects.filter(
        organization_id=organization_id,
        user_id=user_id,
        locked_at__gt=at - timedelta(hours=RECENTLY_WORKED_HOURS),
        locked_until__lte=at,
    )
    return set(held.values_list("account_id", flat=True)) | set(worked.values_list("account_id", flat=True))


def _in_queue(account: Account, *, user_id: int, team_id: int | None, principal: Principal) -> bool:
    """Theirs, their team's (nobody in it named) or the organization's pool; a client they may see."""
    if not principal.sees_client(account.client_id) or account.status not in WORKABLE:
        return False
    if account.balance_total <= 0:
        return False
    if account.assigned_user_id is not None:
        return account.assigned_user_id == user_id
    return account.assigned_team_id is None or account.assigned_team_id == team_id


def _gate(accounts: Sequence[Account], at: datetime) -> list[tuple[bool, datetime | None, list[str]]]:
    """The compliance gate's answer for a call now, for every account at once: the same facts builder
    and engine as ``compliance.services.decide_many``, read-only (nothing is contacted yet, so no
    decision is stored; the call itself passes the gate when it is made)."""
    bases = facts_bases(requests=[Request(a) for a in accounts], at=at)
    out = []
    for base in bases:
        facts, _ = base.for_action(channel=ActionChannel.CALL, target=None, purpose=Purpose.COLLECTION)
        decision = evaluate(facts, now=at)
        why = [f.message for f in decision.reasons][:2]
        out.append((decision.allowed, decision.next_allowed_at, why))
    return out


def work_queue(
    *, principal: Principal, user_id: int, at: datetime, limit: int = 25, today: date | None = None
) -> Queue:
    """The collector's ranked queue: workable accounts that are theirs, their team's or the
    organization's pool, of clients they may see, not locked to another collector, ranked by the
    money a call now is expected to bring (stored 30-day probability × balance × the model's amount
    ratio, adjusted for a promise due today, a promise just broken and a callback due), each with
    why it ranks there. Accounts the compliance gate blocks now are left out of ``rows`` and listed in
    ``later`` with the time they become contactable."""
    organization_id = principal.organization_id
    today = today or at.date()
    model = model_current(organization_id=organization_id)
    queue = Queue(model_version=model.version if model else 0, fallback=bool(model and model.fallback))
    fitted = model_load(model) if model else domain.heuristic()
    team_id = user_team_id(organization_id=organization_id, user_id=user_id)
    skip = _locked_by_others(organization_id, user_id, at)
    callbacks: dict[int, str] = {}
    for request in call_requests_open(organization_id=organization_id, due_before=at):
        callbacks.setdefault(request.account_id, request.reason)
    urgent = [
        a
        for a in {*callbacks, *promise_due_account_ids(organization_id=organization_id, day=today)}
        if a not in skip
    ]
    kept, broken = promise_totals(organization_id=organization_id, before=today)
    prior = domain.kept_rate(kept, broken, prior=0.5)
    seen: set[int] = set()
    candidates: list[tuple[float, QueueRow]] = []
    offset = 0
    rounds = 0
    # Rounds of POOL accounts by stored expected value until `limit` callable ones are found: at most
    # MAX_ROUNDS, and BARREN_ROUNDS when none at all is callable (before 8 a.m. in every debtor's zone,
    # say), when the page has its "Not now" list to show and reading deeper finds only more of it.
    while len(candidates) < limit and rounds < MAX_ROUNDS:
        if rounds >= BARREN_ROUNDS and not candidates and len(queue.later) >= limit:
            break
        ids = (
            urgent
            if rounds == 0
            else queue_candidates(
                organization_id=organization_id,
                user_id=user_id,
                team_id=team_id,
                client_ids=sorted(principal.client_ids) if principal.client_ids is not None else None,
                statuses=sorted(WORKABLE),
                exclude=sorted(skip),
                limit=POOL,
                offset=offset,
                scores_table=AccountScore._meta.db_table,
            )
        )
        if rounds:
            offset += POOL
            if not ids:
                break
        rounds += 1
        ids = [a for a in ids if a not in seen]
        seen.update(ids)
        accounts = [
            a
            for a in accounts_in_organization(organization_id=organization_id, account_ids=ids)
            if _in_queue(a, user_id=user_id, team_id=team_id, principal=principal)
        ]
        if not accounts:
            continue
        stored = {
            a: (p, e)
            for a, p, e in AccountScore.objects.filter(account_id__in=[a.pk for a in accounts]).values_list(
                "account_id", "probability", "expected"
            )
        }
        gate = _gate(accounts, at)
        # The reason codes (today's features) only for the accounts the page lists with them.
        explained = _reasons(
            organization_id, fitted, [a.pk for a, g in zip(accounts, gate, strict=True) if g[0]], today
        )
        signals = queue_signals(
            organization_id=organization_id, account_ids=[a.pk for a in accounts], day=today
        )
        for account, (allowed, next_at, why) in zip(accounts, gate, strict=True):
            p, expected = stored.get(account.pk, (0.0, Decimal(0)))
            reasons = explained.get(account.pk, [])
            value, lead = _adjust(float(expected), signals.get(account.pk), prior)
            if account.pk in callbacks:
                value *= CALLBACK_BOOST
                lead.insert(0, f"Callback due: {callbacks[account.pk]}")
            words = [*lead, *(f"{'▲' if r['effect'] == '+' else '▼'} {r['text']}" for r in reasons)]
            ev = Decimal(f"{value:.2f}")
            if not allowed:
                queue.later.append(LaterRow(account.pk, account.reference, ev, next_at, why))
                continue
            row = QueueRow(
                account.pk,
                account.reference,
                round(p, 4),
                ev,
                words,
                at,
                account.balance_total,
                account.currency,
            )
            candidates.append((value, row))
    candidates.sort(key=lambda c: (-c[0], c[1].account_id))
    queue.rows = [row for _, row in candidates[:limit]]
    queue.later.sort(key=lambda r: (r.contactable_at is None, r.contactable_at or at, -r.expected_value))
    return queue


def _reasons(
    organization_id: int, fitted: domain.Fitted, account_ids: list[int], day: date
) -> dict[int, list[dict[str, Any]]]:
    """The reason codes of a page of accounts, from their features today."""
    rows = features_all(organization_id=organization_id, as_of=day, account_ids=account_ids)
    if not len(rows):
        return {}
    x = domain.matrix(rows.cols, fitted.cats)
    return dict(zip(rows.cols["account_id"].tolist(), domain.reasons(fitted, x), strict=True))


def _adjust(expected: float, signal: Any, prior: float) -> tuple[float, list[str]]:
    """The stored expected value adjusted for today's signals, and the words for each adjustment."""
    if signal is None:
        return expected, []
    lead = []
    value = expected
    if signal.promise_due_amount > 0:
        rate = domain.kept_rate(signal.kept, signal.broken, prior=prior)
        value += signal.promise_due_amount * rate
        lead.append(f"Promise of {signal.promise_due_amount:,.2f} due today (keeps {rate:.0%} of promises)")
    if signal.broken_recently:
        value *= BROKEN_BOOST
        lead.append("Broke a promise in the last 14 days: follow up now")
    return value, lead


def work_queue_json(queue: Queue) -> dict[str, Any]:
    return {
        "accounts": [
            {
                "reference": r.reference,
                "score": r.score,
                "expected_value": str(r.expected_value),
                "reasons": r.reasons,
                "contactable_at": r.contactable_at.isoformat(),
            }
            for r in queue.rows
        ]
    }


def forecast(
    *, organization_id: int, weeks: int, as_of: date, start: date | None = None
) -> list[ForecastWeek]:
    """Expected collections in each of ``weeks`` weeks from ``start`` (default: the day after
    ``as_of``), as known at the end of ``as_of``, in the organization's currency, with the current
    model (the heuristic when none is trained): ``forecasting.forecast_compute``."""
    model = model_current(organization_id=organization_id)
    fitted = model_load(model) if model else domain.heuristic()
    currency = organization_get(organization_id=organization_id).currency
    return forecast_compute(
        organization_id=organization_id,
        weeks=weeks,
        as_of=as_of,
        start=start,
        fitted=fitted,
        currency=currency,
    )


def model_list(*, organization_id: int) -> list[ScoringModel]:
    return list(ScoringModel.objects.filter(organization_id=organization_id).order_by("-version")[:20])


def model_get(*, organization_id: int, version: int) -> ScoringModel | None:
    return ScoringModel.objects.filter(organization_id=organization_id, version=version).first()
