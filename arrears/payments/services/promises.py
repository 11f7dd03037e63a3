"""Promises to pay: record, cancel, and keep or break them by the payments and the dates."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.choices import AccountStatus
from arrears.accounts.selectors import account_status
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.core.money import Money
from arrears.tenancy.domain import Principal

from .. import domain
from ..choices import PromiseStatus
from ..errors import PaymentError, PromiseError
from ..models import Promise
from ._common import _follow, _lock, _posted_payments, organization_today

if TYPE_CHECKING:
    from arrears.accounts.models import Account


@transaction.atomic
def promise_create(
    *,
    account: Account,
    amount: Money,
    due_on: date,
    actor: Principal,
    grace_days: int = 0,
    channel: str = "",
    note: str = "",
    today: date | None = None,
) -> Promise:
    locked = _lock(account, actor)
    today = today or organization_today(locked.organization)
    if amount.currency != locked.currency:
        raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"the account is in {locked.currency}")
    if amount.amount <= 0 or due_on < today or grace_days < 0:
        raise ArrearsError(PromiseError.INVALID, "a promise is a positive amount due today or later")
    promise = Promise.objects.create(
        organization_id=locked.organization_id,
        account=locked,
        amount=amount.amount,
        currency=amount.currency,
        made_on=today,
        due_on=due_on,
        grace_days=grace_days,
        channel=channel,
        note=note,
        actor_label=actor.label,
    )
    audit_record(
        actor=actor,
        event=Event.PROMISE_CREATED,
        subject_type="promise",
        subject_id=promise.pk,
        account_id=locked.pk,
        data={
            "amount": str(amount.amount),
            "currency": amount.currency,
            "due_on": due_on,
            "grace_days": grace_days,
            "channel": channel,
        },
    )
    _follow(locked, AccountStatus.PROMISED, actor=actor, reason=f"promise {promise.pk}")
    return promise


@transaction.atomic
def promise_cancel(*, promise: Promise, actor: Principal, reason: str = "") -> Promise:
    account = _lock(promise.account_id, actor)
    locked = Promise.objects.select_for_update().get(pk=promise.pk)
    if locked.status != PromiseStatus.PENDING:
        raise Conflict(PromiseError.NOT_PENDING, f"promise {locked.pk} is {locked.status}")
    _promise_set(locked, PromiseStatus.CANCELLED, actor=actor, reason=reason)
    _account_after_promises(account, actor=actor)
    return locked


def _promise_set(promise: Promise, status: str, *, actor: Principal, reason: str = "") -> None:
    previous = promise.status
    promise.status, promise.status_changed_at = status, utcnow()
    promise.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        event=Event(f"promise.{status}"),
        subject_type="promise",
        subject_id=promise.pk,
        account_id=promise.account_id,
        data={"from": previous, "to": status, "reason": reason},
    )


def _account_after_promises(account: Account, *, actor: Principal) -> None:
    """An account leaves `promised` once no promise is pending."""
    if not Promise.objects.filter(account=account, status=PromiseStatus.PENDING).exists():
        current = account_status(account_id=account.pk)
        if current == AccountStatus.PROMISED:
            _follow(account, AccountStatus.ACTIVE, actor=actor, reason="no pending promise")


def promises_evaluate(*, account: Account, today: date, actor: Principal) -> int:
    """Set each open promise's status from the payments and the dates; kept promises are looked at
    again, so a reversed payment can undo them. Returns how many changed."""
    promises = list(
        Promise.objects.select_for_update().filter(
            account=account, status__in=(PromiseStatus.PENDING, PromiseStatus.KEPT)
        )
    )
    if not promises:
        return 0
    payments = _posted_payments(account)
    changed = 0
    for p in promises:
        terms = domain.PromiseTerms(
            amount=p.amount, made_on=p.made_on, due_on=p.due_on, grace_days=p.grace_days
        )
        status = domain.promise_status(terms, payments, today=today)
        if status != p.status:
            _promise_set(p, status, actor=actor, reason="payments and dates")
            changed += 1
    if changed:
        _account_after_promises(account, actor=actor)
    return changed
