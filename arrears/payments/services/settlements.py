"""Settlements: offer a reduced payoff, approve it within a role's limit, and complete it (writing
off the rest, with the reason) or let it expire."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.choices import AccountStatus
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound, PermissionDenied
from arrears.core.money import Money, quantize
from arrears.ledger.choices import EntryKind
from arrears.ledger.domain import OWED_BUCKETS
from arrears.ledger.services import EntrySpec, ledger_post
from arrears.tenancy.domain import Principal

from .. import domain
from ..choices import OPEN_PLAN, OPEN_SETTLEMENT, PlanStatus, SettlementKind, SettlementStatus
from ..errors import PaymentError, SettlementError
from ..models import PaymentPlan, Settlement
from ._common import ZERO, _follow, _lock, _owed, _posted_payments, _rule, organization_today
from .plans import PlanTerms, plan_create

if TYPE_CHECKING:
    from arrears.accounts.models import Account


@transaction.atomic
def settlement_offer(
    *,
    account: Account,
    amount: Money,
    expires_on: date,
    actor: Principal,
    kind: str = SettlementKind.LUMP_SUM,
    plan_terms: PlanTerms | None = None,
    limits: Mapping[str, Decimal] | None = None,
    today: date | None = None,
) -> Settlement:
    """Offer a reduced payoff. It is approved at once if the offering role's limit covers the discount,
    otherwise it waits for someone whose limit does."""
    locked = _lock(account, actor)
    today = today or organization_today(locked.organization)
    if amount.currency != locked.currency:
        raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"the account is in {locked.currency}")
    if expires_on < today or kind not in SettlementKind.values:
        raise ArrearsError(
            SettlementError.INVALID, "a settlement needs a kind and an expiry date not in the past"
        )
    if (kind == SettlementKind.INSTALLMENTS) != (plan_terms is not None):
        raise ArrearsError(SettlementError.INVALID, "installment settlements, and only they, take plan terms")
    balance = _owed(locked)
    try:
        discount = domain.settlement_discount_pct(balance=balance, amount=amount.amount)
        required = domain.settlement_required_role(discount, limits)
    except domain.RuleError as exc:
        raise _rule(exc, SettlementError.INVALID) from exc
    approved = domain.settlement_may_approve(actor.role, discount, limits)
    plan = (
        plan_create(account=locked, terms=plan_terms, actor=actor, total=amount, today=today)
        if plan_terms
        else None
    )
    settlement = Settlement.objects.create(
        organization_id=locked.organization_id,
        account=locked,
        kind=kind,
        balance_at_offer=balance,
        amount=amount.amount,
        currency=amount.currency,
        discount_pct=discount,
        made_on=today,
        expires_on=expires_on,
        status=SettlementStatus.APPROVED if approved else SettlementStatus.PENDING_APPROVAL,
        required_role=required,
        offered_by=actor.label,
        approved_by=actor.label if approved else "",
        approved_at=utcnow() if approved else None,
        plan=plan,
    )
    audit_record(
        actor=actor,
        event=Event.SETTLEMENT_OFFERED,
        subject_type="settlement",
        subject_id=settlement.pk,
        account_id=locked.pk,
        data={
            "amount": str(amount.amount),
            "balance": str(balance),
            "discount_pct": str(discount),
            "required_role": required,
            "status": settlement.status,
            "expires_on": expires_on,
            "kind": kind,
        },
    )
    return settlement


@transaction.atomic
def settlement_approve(
    *,
    settlement: Settlement,
    actor: Principal,
    limits: Mapping[str, Decimal] | None = None,
    today: date | None = None,
) -> Settlement:
    _lock(settlement.account_id, actor)
    locked = Settlement.objects.select_for_update().get(
        pk=settlement.pk, organization_id=actor.organization_id
    )
    if locked.status != SettlementStatus.PENDING_APPROVAL:
        raise Conflict(SettlementError.INVALID, f"settlement {locked.pk} is {locked.status}")
    if today and today > locked.expires_on:
        raise Conflict(SettlementError.EXPIRED, f"settlement {locked.pk} expired on {locked.expires_on}")
    if not domain.settlement_may_approve(actor.role, locked.discount_pct, limits):
        raise PermissionDenied(
            SettlementError.APPROVAL_LIMIT,
            f"a {actor.role} may not approve {locked.discount_pct}% off: it needs a {locked.required_role}",
        )
    locked.status, locked.approved_by, locked.approved_at = SettlementStatus.APPROVED, actor.label, utcnow()
    locked.save(update_fields=["status", "approved_by", "approved_at", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.SETTLEMENT_APPROVED,
        subject_type="settlement",
        subject_id=locked.pk,
        account_id=locked.account_id,
        data={"discount_pct": str(locked.discount_pct)},
    )
    return locked


@transaction.atomic
def settlements_reject(*, settlement_ids: Sequence[int], reason: str, actor: Principal) -> int:
    """Turn down settlements awaiting approval (a manager's decision); each one is audited with the
    reason. Returns how many were rejected; one that is no longer pending is a conflict."""
    if not reason.strip():
        raise ArrearsError(SettlementError.INVALID, "say why the settlement is rejected")
    if any(not 0 < i < 2**63 for i in settlement_ids):  # an id no table holds
        raise NotFound(SettlementError.NOT_FOUND, "no such settlement in this organization")
    locked = list(
        Settlement.objects.select_for_update()
        .filter(pk__in=settlement_ids, organization_id=actor.organization_id)
        .order_by("pk")
    )
    if len(locked) != len(set(settlement_ids)):
        raise NotFound(SettlementError.NOT_FOUND, "no such settlement in this organization")
    for s in locked:
        if s.status != SettlementStatus.PENDING_APPROVAL:
            raise Conflict(SettlementError.INVALID, f"settlement {s.pk} is {s.status}")
    Settlement.objects.filter(pk__in=[s.pk for s in locked]).update(
        status=SettlementStatus.REJECTED, updated_at=utcnow()
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.SETTLEMENT_REJECTED,
                subject_type="settlement",
                subject_id=s.pk,
                account_id=s.account_id,
                data={"reason": reason, "discount_pct": str(s.discount_pct)},
            )
            for s in locked
        ],
    )
    return len(locked)


def settlements_evaluate(*, account: Account, today: date, actor: Principal) -> int:
    """Complete approved settlements whose amount has been paid (writing off the remainder with the
    reason) and expire those past their date. Returns how many changed."""
    settlements = list(
        Settlement.objects.select_for_update().filter(account=account, status__in=OPEN_SETTLEMENT)
    )
    changed = 0
    payments = _posted_payments(account) if settlements else []
    for s in settlements:
        paid = sum((amount for day, amount in payments if day >= s.made_on), ZERO)
        if s.status == SettlementStatus.APPROVED and paid >= s.amount:
            _settlement_complete(s, account=account, actor=actor, on=today)
            changed += 1
        elif today > s.expires_on:
            s.status = SettlementStatus.EXPIRED
            s.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=actor,
                event=Event.SETTLEMENT_EXPIRED,
                subject_type="settlement",
                subject_id=s.pk,
                account_id=account.pk,
                data={"paid": str(paid)},
            )
            changed += 1
    return changed


def _settlement_complete(s: Settlement, *, account: Account, actor: Principal, on: date) -> None:
    account.refresh_from_db(fields=[f"balance_{b}" for b in OWED_BUCKETS])
    paid = Money(quantize(s.amount, s.currency), s.currency)
    reason = s.write_off_reason or f"settlement {s.pk}: {s.discount_pct}% discount agreed, {paid} paid"
    specs = [
        EntrySpec(EntryKind.WRITE_OFF, b, -getattr(account, f"balance_{b}"), memo=reason[:300])
        for b in OWED_BUCKETS
        if getattr(account, f"balance_{b}") > 0
    ]
    if specs:
        ledger_post(
            account=account,
            entries=specs,
            effective_on=on,
            actor=actor,
            source=("settlement", str(s.pk)),
            event=Event.SETTLEMENT_WRITE_OFF,
        )
    s.status, s.completed_at, s.write_off_reason = SettlementStatus.COMPLETED, utcnow(), reason
    s.save(update_fields=["status", "completed_at", "write_off_reason", "updated_at"])
    if s.plan_id:
        PaymentPlan.objects.filter(pk=s.plan_id, status__in=OPEN_PLAN).update(
            status=PlanStatus.COMPLETED, status_changed_at=utcnow()
        )
    audit_record(
        actor=actor,
        event=Event.SETTLEMENT_COMPLETED,
        subject_type="settlement",
        subject_id=s.pk,
        account_id=account.pk,
        data={"written_off": {e.bucket: str(-e.amount) for e in specs}, "reason": reason},
    )
    _follow(account, AccountStatus.SETTLED, actor=actor, reason=reason)
