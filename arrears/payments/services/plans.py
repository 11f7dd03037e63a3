"""Payment plans: agree a schedule with its written confirmation, and follow its installments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.choices import AccountStatus
from arrears.accounts.selectors import account_status
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.core.money import Money, quantize
from arrears.tenancy.domain import Principal

from .. import domain
from ..choices import OPEN_PLAN, OPEN_SETTLEMENT, InstallmentStatus, PlanStatus
from ..errors import PaymentError, PlanError
from ..models import Installment, PaymentPlan, Settlement
from ._common import ZERO, _follow, _lock, _owed, _posted_payments, _rule, organization_today
from .interest import _late_fee_post

if TYPE_CHECKING:
    from arrears.accounts.models import Account


@dataclass(frozen=True, slots=True)
class PlanTerms:
    frequency: str
    first_due: date | None = None
    installments: int | None = None
    installment_amount: Decimal | None = None
    dates: tuple[date, ...] | None = None
    grace_days: int = 5
    delinquent_after: int = 1
    broken_after: int = 2
    late_fee: domain.FeePolicy | None = None


@transaction.atomic
def plan_create(
    *,
    account: Account,
    terms: PlanTerms,
    actor: Principal,
    total: Money | None = None,
    today: date | None = None,
) -> PaymentPlan:
    """Agree a plan for `total` (default: everything owed), with its written confirmation."""
    locked = _lock(account, actor)
    today = today or organization_today(locked.organization)
    if PaymentPlan.objects.filter(account=locked, status__in=OPEN_PLAN).exists():
        raise Conflict(PlanError.ACTIVE_PLAN_EXISTS, f"account {locked.reference} already has an open plan")
    amount = total.amount if total else _owed(locked)
    if total and total.currency != locked.currency:
        raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"the account is in {locked.currency}")
    if terms.broken_after < terms.delinquent_after or terms.delinquent_after < 1:
        raise ArrearsError(
            PlanError.INVALID_SCHEDULE, "a plan breaks after at least as many misses as make it late"
        )
    try:
        schedule = domain.plan_schedule(
            total=quantize(amount, locked.currency),
            currency=locked.currency,
            frequency=terms.frequency,
            first_due=terms.first_due,
            count=terms.installments,
            amount=terms.installment_amount,
            dates=terms.dates,
        )
    except domain.RuleError as exc:
        raise _rule(exc, PlanError.INVALID_SCHEDULE) from exc
    if schedule[0].due_on < today:
        raise ArrearsError(PlanError.INVALID_SCHEDULE, "the first installment cannot be due in the past")
    fee = terms.late_fee
    plan = PaymentPlan.objects.create(
        organization_id=locked.organization_id,
        account=locked,
        total=sum(i.amount for i in schedule),
        currency=locked.currency,
        frequency=terms.frequency,
        made_on=today,
        grace_days=terms.grace_days,
        delinquent_after=terms.delinquent_after,
        broken_after=terms.broken_after,
        late_fee_kind=fee.kind if fee else "",
        late_fee_value=fee.value if fee else ZERO,
        late_fee_cap=fee.cap if fee else None,
        confirmation_text=domain.plan_confirmation_text(
            reference=locked.reference,
            installments=schedule,
            currency=locked.currency,
            creditor=locked.current_creditor,
        ),
        confirmation_due_on=domain.plan_confirmation_due(today),
        actor_label=actor.label,
    )
    Installment.objects.bulk_create(
        Installment(
            organization_id=plan.organization_id, plan=plan, seq=i.seq, due_on=i.due_on, amount=i.amount
        )
        for i in schedule
    )
    audit_record(
        actor=actor,
        event=Event.PLAN_CREATED,
        subject_type="plan",
        subject_id=plan.pk,
        account_id=locked.pk,
        data={
            "total": str(plan.total),
            "currency": plan.currency,
            "frequency": plan.frequency,
            "installments": [[i.due_on, str(i.amount)] for i in schedule],
            "confirmation_due_on": plan.confirmation_due_on,
        },
    )
    _follow(locked, AccountStatus.ON_PLAN, actor=actor, reason=f"plan {plan.pk}")
    return plan


@transaction.atomic
def plan_cancel(*, plan: PaymentPlan, actor: Principal, reason: str) -> PaymentPlan:
    """Cancel an open plan (the debtor and the agency agree to end it): its installments stop being
    expected, and the account leaves `on_plan`. A plan that carries an open settlement is ended with
    the settlement, not alone."""
    if not reason.strip():
        raise ArrearsError(PlanError.REASON_REQUIRED, "say why the plan is cancelled")
    account = _lock(plan.account_id, actor)
    locked = PaymentPlan.objects.select_for_update().get(pk=plan.pk, organization_id=actor.organization_id)
    if locked.status not in OPEN_PLAN:
        raise Conflict(PlanError.NOT_OPEN, f"plan {locked.pk} is {locked.status}")
    settlement = (
        Settlement.objects.filter(plan=locked, status__in=OPEN_SETTLEMENT)
        .values_list("pk", flat=True)
        .first()
    )
    if settlement is not None:
        raise Conflict(PlanError.NOT_OPEN, f"plan {locked.pk} carries settlement {settlement}")
    previous = locked.status
    locked.status, locked.status_changed_at = PlanStatus.CANCELLED, utcnow()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.PLAN_CANCELLED,
        subject_type="plan",
        subject_id=locked.pk,
        account_id=locked.account_id,
        data={"from": previous, "reason": reason.strip()},
    )
    if account_status(account_id=account.pk) == AccountStatus.ON_PLAN:
        _follow(account, AccountStatus.ACTIVE, actor=actor, reason=f"plan {locked.pk} cancelled")
    return locked


def plans_evaluate(*, account: Account, today: date, actor: Principal) -> int:
    """Mark installments paid or missed, charge late fees once per missed installment, and move the
    plan to delinquent, broken or completed. Returns how many plans changed status."""
    plans = list(PaymentPlan.objects.select_for_update().filter(account=account, status__in=OPEN_PLAN))
    changed = 0
    payments = _posted_payments(account) if plans else []
    for plan in plans:
        installments = list(plan.installments.order_by("seq"))
        paid = sum((amount for day, amount in payments if day >= plan.made_on), ZERO)
        standing = domain.plan_standing(
            installments=[domain.ScheduledInstallment(i.seq, i.due_on, i.amount) for i in installments],
            paid_total=paid,
            today=today,
            grace_days=plan.grace_days,
            delinquent_after=plan.delinquent_after,
            broken_after=plan.broken_after,
        )
        for inst in installments:
            status = (
                InstallmentStatus.PAID
                if inst.seq in standing.paid
                else InstallmentStatus.MISSED
                if inst.seq in standing.missed
                else InstallmentStatus.DUE
            )
            if status == InstallmentStatus.MISSED and plan.late_fee_kind and not inst.late_fee_posted:
                _late_fee_post(plan, inst, account=account, actor=actor, on=today)
                inst.late_fee_posted = True
            if status != inst.status or inst.late_fee_posted:
                inst.status = status
                inst.save(update_fields=["status", "late_fee_posted"])
        if standing.status != plan.status:
            previous = plan.status
            plan.status, plan.status_changed_at = standing.status, utcnow()
            plan.save(update_fields=["status", "status_changed_at", "updated_at"])
            audit_record(
                actor=actor,
                event=Event(f"plan.{plan.status}"),
                subject_type="plan",
                subject_id=plan.pk,
                account_id=account.pk,
                data={"from": previous, "missed": list(standing.missed)},
            )
            if plan.status in (PlanStatus.BROKEN, PlanStatus.COMPLETED):
                current = account_status(account_id=account.pk)
                if current == AccountStatus.ON_PLAN:
                    _follow(
                        account, AccountStatus.ACTIVE, actor=actor, reason=f"plan {plan.pk} {plan.status}"
                    )
            changed += 1
    return changed
