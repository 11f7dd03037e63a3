"""Payment plans: agree a schedule with its written confirmation, and follow its installments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.choices import AccountStatus
from arrears.accounts.errors import AccountError
from arrears.accounts.selectors import account_status, accounts_lock_many
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.core.money import Money, quantize
from arrears.ledger.domain import OWED_BUCKETS
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .. import domain
from ..choices import OPEN_PLAN, OPEN_SETTLEMENT, InstallmentStatus, PlanStatus
from ..errors import PaymentError, PlanError
from ..models import Installment, PaymentPlan, Settlement
from ._common import ZERO, _follow, _follow_many, _lock, _posted_payments, _rule, organization_today
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


@dataclass(frozen=True, slots=True)
class PlanSpec:
    """One plan for `plans_create_many`: its account, its terms, and the total (default: all owed)."""

    account_id: int
    terms: PlanTerms
    total: Money | None = None


@transaction.atomic
def plan_create(
    *,
    account: Account,
    terms: PlanTerms,
    actor: Principal,
    total: Money | None = None,
    today: date | None = None,
) -> PaymentPlan:
    """Agree a plan for `total` (default: everything owed), with its written confirmation:
    `plans_create_many` with a batch of one."""
    return plans_create_many(plans=[PlanSpec(account.pk, terms, total)], actor=actor, today=today)[0]


_PLAN_COLUMNS = (
    "pk",
    "currency",
    "status",
    "reference",
    "current_creditor",
    *(f"balance_{b}" for b in OWED_BUCKETS),
)


@transaction.atomic
def plans_create_many(
    *, plans: Sequence[PlanSpec], actor: Principal, today: date | None = None
) -> list[PaymentPlan]:
    """Agree many plans, each as `plan_create` always has: the accounts locked (in id order, one
    query), every plan checked before anything is written (one open plan per account, the account's
    currency, a schedule that starts today or later), one insert of the plans and one of their
    installments, one `plan.created` audit event per plan with its schedule, and each account moved
    to `on_plan` where its lifecycle allows it."""
    if not plans:
        return []
    ids = sorted({p.account_id for p in plans})
    if len(ids) != len(plans):
        raise Conflict(PlanError.ACTIVE_PLAN_EXISTS, "one plan per account in a batch")
    rows = accounts_lock_many(organization_id=actor.organization_id, account_ids=ids, fields=_PLAN_COLUMNS)
    locked = {row[0]: row for row in rows}
    if missing := [pk for pk in ids if pk not in locked]:
        raise NotFound(AccountError.NOT_FOUND, f"no account {missing[0]}")
    today = today or organization_today(organization_get(organization_id=actor.organization_id))
    if open_plan := PaymentPlan.objects.filter(account_id__in=ids, status__in=OPEN_PLAN).first():
        reference = locked[open_plan.account_id][3]
        raise Conflict(PlanError.ACTIVE_PLAN_EXISTS, f"account {reference} already has an open plan")
    made: list[tuple[PlanSpec, list[domain.ScheduledInstallment], PaymentPlan]] = []
    for spec in plans:
        _, currency, _, reference, creditor, *balances = locked[spec.account_id]
        terms = spec.terms
        if spec.total and spec.total.currency != currency:
            raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"the account is in {currency}")
        amount = spec.total.amount if spec.total else sum(balances, ZERO)
        if terms.broken_after < terms.delinquent_after or terms.delinquent_after < 1:
            raise ArrearsError(
                PlanError.INVALID_SCHEDULE, "a plan breaks after at least as many misses as make it late"
            )
        try:
            schedule = domain.plan_schedule(
                total=quantize(amount, currency),
                currency=currency,
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
        plan = PaymentPlan(
            organization_id=actor.organization_id,
            account_id=spec.account_id,
            total=sum(i.amount for i in schedule),
            currency=currency,
            frequency=terms.frequency,
            made_on=today,
            grace_days=terms.grace_days,
            delinquent_after=terms.delinquent_after,
            broken_after=terms.broken_after,
            late_fee_kind=fee.kind if fee else "",
            late_fee_value=fee.value if fee else ZERO,
            late_fee_cap=fee.cap if fee else None,
            confirmation_text=domain.plan_confirmation_text(
                reference=reference, installments=schedule, currency=currency, creditor=creditor
            ),
            confirmation_due_on=domain.plan_confirmation_due(today),
            actor_label=actor.label,
        )
        made.append((spec, schedule, plan))
    created = PaymentPlan.objects.bulk_create([plan for _, _, plan in made])
    Installment.objects.bulk_create(
        Installment(
            organization_id=plan.organization_id, plan=plan, seq=i.seq, due_on=i.due_on, amount=i.amount
        )
        for (_, schedule, _), plan in zip(made, created, strict=True)
        for i in schedule
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.PLAN_CREATED,
                subject_type="plan",
                subject_id=plan.pk,
                account_id=plan.account_id,
                data={
                    "total": str(plan.total),
                    "currency": plan.currency,
                    "frequency": plan.frequency,
                    "installments": [[i.due_on, str(i.amount)] for i in schedule],
                    "confirmation_due_on": plan.confirmation_due_on,
                },
            )
            for (_, schedule, _), plan in zip(made, created, strict=True)
        ],
    )
    _follow_many(
        {pk: row[2] for pk, row in locked.items()},
        AccountStatus.ON_PLAN,
        reasons={plan.account_id: f"plan {plan.pk}" for plan in created},
        actor=actor,
    )
    return created


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
