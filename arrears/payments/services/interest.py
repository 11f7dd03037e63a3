"""Interest and fees: daily simple interest on principal up to a date (capped by state, SCRA and
holds), and the late fees of missed installments."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max

from arrears.accounts.selectors import accounts_lock_many
from arrears.audit.events import Event
from arrears.core.bulk import among, insert_rows
from arrears.core.clock import utcnow
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.selectors import ledger_bucket_changes, ledger_bucket_changes_many
from arrears.ledger.services import EntrySpec, Posting, ledger_post, ledger_post_many
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .. import domain
from ..choices import FeeKind
from ..errors import InterestError
from ..models import Installment, InterestAccrual, PaymentPlan
from ..selectors import interest_caps
from ._common import ZERO, _lock, _rule, local_date
from .holds import MoneyFacts, account_money_facts

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.models import Organization


def accrual_start(account: Account | AccrualRow) -> date:
    """Where interest starts on an account that has none accrued here yet: the later of the
    itemization date and the placement. A placed balance (an import, a creditor's file) already holds
    the interest charged up to the placement, so accruing from the itemization date would charge that
    stretch twice (12 CFR 1006.22(b), FDCPA 808(1): no amount not expressly authorized)."""
    known = [d for d in (account.itemization_date, account.placed_on) if d is not None]
    if known:
        return max(known)
    return account.opened_on or local_date(account.created_at, account.organization)


@dataclass(frozen=True, slots=True)
class AccrualRow:
    """An account as accruing reads it: the columns of its locked row. `interest_accrue_many` reads
    thousands of these in one query, at a fraction of the cost of building model instances."""

    organization: Organization
    pk: int
    organization_id: int
    status: str
    interest_rate: Decimal
    interest_basis: str
    currency: str
    balance_principal: Decimal
    jurisdiction_state: str
    itemization_date: date | None
    placed_on: date | None
    opened_on: date | None
    created_at: datetime


ROW_FIELDS = tuple(f.name for f in fields(AccrualRow) if f.name != "organization")


@dataclass(frozen=True, slots=True)
class _Accrued:
    """What one account accrues from `start` through a date: the domain's result and what is posted."""

    start: date
    accrual: domain.Accrual
    amount: Decimal
    forgiven: Decimal
    facts: MoneyFacts


def _accrued(
    account: Account | AccrualRow,
    *,
    start: date,
    through: date,
    facts: MoneyFacts,
    changes: Sequence[tuple[date, Decimal]],
    state_cap: Decimal | None,
) -> _Accrued:
    """The accrual of one locked account whose principal moved by `changes` after `start`: the one
    computation the single and the batch services share, so their rounding cannot differ."""
    opening = account.balance_principal - sum((delta for _, delta in changes), ZERO)
    segments = domain.principal_segments(start=start, end=through, opening=opening, changes=changes)
    try:
        accrual = domain.interest_accrue(
            segments=segments,
            contract_rate=account.interest_rate,
            basis=account.interest_basis,
            currency=account.currency,
            state_cap=state_cap,
            scra_active=facts.scra_active,
        )
    except domain.RuleError as exc:
        raise _rule(exc, InterestError.INVALID_BASIS) from exc
    suspended = facts.interest_suspended
    return _Accrued(
        start, accrual, ZERO if suspended else accrual.amount, ZERO if suspended else accrual.forgiven, facts
    )


def _entry(account: Account | AccrualRow, done: _Accrued, through: date) -> EntrySpec:
    return EntrySpec(
        EntryKind.INTEREST,
        Bucket.INTEREST,
        done.amount,
        memo=f"interest {done.start}..{through} at {done.accrual.rate}% {account.interest_basis}",
    )


def _marker(account: Account | AccrualRow, done: _Accrued, through: date) -> dict[str, Any]:
    """The run marker's columns (every one but the id)."""
    return {
        "organization_id": account.organization_id,
        "account_id": account.pk,
        "start": done.start,
        "through": through,
        "amount": done.amount,
        "forgiven": done.forgiven,
        "rate": done.accrual.rate,
        "basis": account.interest_basis,
        "days": done.accrual.days,
        "suspended": done.facts.interest_suspended,
        "scra": done.facts.scra_active,
        "created_at": utcnow(),
    }


@transaction.atomic
def interest_accrue(
    *,
    account: Account | int,
    through: date,
    actor: Principal,
    facts: MoneyFacts | None = None,
    state_cap: Decimal | None = None,
) -> InterestAccrual | None:
    """Accrue daily simple interest on principal up to `through` and leave a run marker.

    Starts where the last marker ended (or at ``accrual_start``). Nothing happens if `through`
    is already covered, so running twice for a date posts nothing the second time. While interest
    is suspended (a hold where the law stops it) the marker moves on with zero: it does not catch up.
    `interest_accrue_many` does the same for many accounts at once.
    """
    locked = _lock(account, actor)
    last = (
        InterestAccrual.objects.filter(account=locked)
        .order_by("-through")
        .values_list("through", flat=True)
        .first()
    )
    start = last or accrual_start(locked)
    if start >= through or locked.interest_rate <= 0:
        return None
    facts = facts or account_money_facts(accounts=[locked], on=through, actor=actor)[locked.pk]
    changes = ledger_bucket_changes(account=locked, bucket=Bucket.PRINCIPAL, after=start)
    done = _accrued(locked, start=start, through=through, facts=facts, changes=changes, state_cap=state_cap)
    if done.amount > 0:
        ledger_post(
            account=locked,
            entries=[_entry(locked, done, through)],
            effective_on=through,
            actor=actor,
            source=("interest", f"{locked.pk}:{through}"),
            event=Event.INTEREST_ACCRUED,
        )
    return InterestAccrual.objects.create(**_marker(locked, done, through))


@transaction.atomic
def interest_accrue_many(
    *,
    account_ids: Sequence[int],
    through: date,
    actor: Principal,
    state_caps: Mapping[str, Decimal] | None = None,
) -> dict[int, Decimal]:
    """`interest_accrue` for many accounts of the actor's organization, in a fixed number of statements.

    The accounts are locked in id order; their last markers, holds and principal movements are read
    in one query each; the entries go in with one insert, the cached balances move with one UPDATE
    and the chain head is locked once for the chunk's events (`ledger_post_many`: one
    "interest.accrued" event per posting, as `interest_accrue` writes it); the markers go in with one
    insert. Each account accrues exactly what `interest_accrue` would (same computation, same
    rounding). `state_caps` are the organization's caps by state (read here when not given). Returns
    the amount posted per account that got a marker (zero while interest is suspended).
    """
    organization = organization_get(organization_id=actor.organization_id)
    locked = [
        AccrualRow(organization, *row)
        for row in accounts_lock_many(
            organization_id=actor.organization_id, account_ids=sorted(set(account_ids)), fields=ROW_FIELDS
        )
    ]
    earning = [a for a in locked if a.interest_rate > 0]
    if not earning:
        return {}
    last = dict(
        InterestAccrual.objects.filter(among("account_id", [a.pk for a in earning]))
        .values_list("account_id")
        .annotate(last=Max("through"))
        .order_by()
    )
    starts = {a.pk: last.get(a.pk) or accrual_start(a) for a in earning}
    due = [a for a in earning if starts[a.pk] < through]
    if not due:
        return {}
    caps = state_caps if state_caps is not None else interest_caps(organization_id=actor.organization_id)
    facts = account_money_facts(accounts=due, on=through, actor=actor)
    changes = ledger_bucket_changes_many(
        account_ids=[a.pk for a in due], bucket=Bucket.PRINCIPAL, after={a.pk: starts[a.pk] for a in due}
    )
    accrued = [
        (
            a,
            _accrued(
                a,
                start=starts[a.pk],
                through=through,
                facts=facts[a.pk],
                changes=changes[a.pk],
                state_cap=caps.get(a.jurisdiction_state),
            ),
        )
        for a in due
    ]
    postings = [
        Posting(
            account_id=a.pk,
            entries=[_entry(a, done, through)],
            effective_on=through,
            source=("interest", f"{a.pk}:{through}"),
            event=Event.INTEREST_ACCRUED,
        )
        for a, done in accrued
        if done.amount > 0
    ]
    if postings:
        ledger_post_many(postings=postings, actor=actor)
    insert_rows(InterestAccrual, [_marker(a, done, through) for a, done in accrued])
    return {a.pk: done.amount for a, done in accrued}


def _late_fee_post(
    plan: PaymentPlan, inst: Installment, *, account: Account, actor: Principal, on: date
) -> None:
    policy = domain.FeePolicy(plan.late_fee_kind or FeeKind.FLAT, plan.late_fee_value, plan.late_fee_cap)
    try:
        fee = domain.late_fee(policy, base=inst.amount, currency=plan.currency)
    except domain.RuleError as exc:
        raise _rule(exc, InterestError.INVALID_FEE) from exc
    if fee > 0:
        ledger_post(
            account=account,
            entries=[
                EntrySpec(
                    EntryKind.FEE,
                    Bucket.FEES,
                    fee,
                    memo=f"late fee: installment {inst.seq} of plan {plan.pk}",
                )
            ],
            effective_on=on,
            actor=actor,
            source=("late_fee", str(inst.pk)),
            event=Event.FEE_LATE,
        )
