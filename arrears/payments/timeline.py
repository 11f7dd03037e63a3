"""Payments, promises, plans and settlements on the account timeline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from arrears.core.money import quantize
from arrears.core.timeline import TimelineItem
from arrears.tenancy.domain import Principal

from .models import Payment, PaymentPlan, Promise, Settlement

if TYPE_CHECKING:
    from arrears.accounts.models import Account


def _money(amount, currency: str) -> str:
    return f"{quantize(amount, currency):,} {currency}"


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def items(*, principal: Principal, account: Account) -> Iterator[TimelineItem]:
    org = principal.organization_id
    for p in Payment.objects.filter(organization_id=org, account=account).order_by("-received_at"):
        yield TimelineItem(
            at=p.received_at,
            kind="payment",
            title=f"Payment {_money(p.amount, p.currency)} by {p.get_method_display()}",
            detail=f"status {p.get_status_display().lower()}"
            + (f", reversed: {p.reversal_reason}" if p.reversed_at else ""),
            actor=p.actor_label,
            ref=f"payment:{p.pk}",
            extra={"payment_id": p.pk, "status": p.status},
        )
    for pr in Promise.objects.filter(organization_id=org, account=account).order_by("-created_at"):
        yield TimelineItem(
            at=pr.created_at,
            kind="promise",
            title=f"Promise to pay {_money(pr.amount, pr.currency)} by {pr.due_on}",
            detail=f"status {pr.get_status_display().lower()}" + (f" · {pr.note}" if pr.note else ""),
            actor=pr.actor_label,
            ref=f"promise:{pr.pk}",
        )
    for plan in PaymentPlan.objects.filter(organization_id=org, account=account).order_by("-created_at"):
        yield TimelineItem(
            at=plan.created_at,
            kind="plan",
            title=f"Payment plan {_money(plan.total, plan.currency)}, {plan.get_frequency_display().lower()}",
            detail=f"status {plan.get_status_display().lower()}",
            actor=plan.actor_label,
            ref=f"plan:{plan.pk}",
        )
    for s in Settlement.objects.filter(organization_id=org, account=account).order_by("-created_at"):
        yield TimelineItem(
            at=s.created_at,
            kind="settlement",
            title=f"Settlement {_money(s.amount, s.currency)}",
            detail=f"status {s.get_status_display().lower()}",
            ref=f"settlement:{s.pk}",
        )
