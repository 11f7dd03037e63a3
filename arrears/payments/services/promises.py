"""Promises to pay: record, cancel, and keep or break them by the payments and the dates."""

from __future__ import annotations

from collections import defaultdict
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
from arrears.core.bulk import in_array
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.core.money import Money
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .. import domain
from ..choices import PromiseStatus
from ..errors import PaymentError, PromiseError
from ..models import Promise
from ._common import _follow, _follow_many, _lock, organization_today, posted_payments_of

if TYPE_CHECKING:
    from arrears.accounts.models import Account


@dataclass(frozen=True, slots=True)
class PromiseSpec:
    """One promise for `promises_create_many`. ``made_on`` defaults to the organization's today."""

    account_id: int
    amount: Money
    due_on: date
    grace_days: int = 0
    channel: str = ""
    note: str = ""
    made_on: date | None = None


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
    """Record a debtor's promise to pay: `promises_create_many` with a batch of one."""
    spec = PromiseSpec(account.pk, amount, due_on, grace_days, channel, note, today)
    return promises_create_many(promises=[spec], actor=actor)[0]


@transaction.atomic
def promises_create_many(*, promises: Sequence[PromiseSpec], actor: Principal) -> list[Promise]:
    """Record many promises, each as `promise_create` always has: the accounts locked (in id order,
    one query), every promise checked before anything is written (a positive amount in the account's
    currency, due on or after the day it is made), one insert, one `promise.created` audit event per
    promise, and each account moved to `promised` where its lifecycle allows it."""
    if not promises:
        return []
    ids = sorted({p.account_id for p in promises})
    rows = accounts_lock_many(
        organization_id=actor.organization_id, account_ids=ids, fields=("pk", "currency", "status")
    )
    locked = {pk: (currency, status) for pk, currency, status in rows}
    if missing := [pk for pk in ids if pk not in locked]:
        raise NotFound(AccountError.NOT_FOUND, f"no account {missing[0]}")
    today = organization_today(organization_get(organization_id=actor.organization_id))
    for spec in promises:
        currency = locked[spec.account_id][0]
        if spec.amount.currency != currency:
            raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"the account is in {currency}")
        made_on = spec.made_on or today
        if spec.amount.amount <= 0 or spec.due_on < made_on or spec.grace_days < 0:
            raise ArrearsError(PromiseError.INVALID, "a promise is a positive amount due today or later")
    created = Promise.objects.bulk_create(
        [
            Promise(
                organization_id=actor.organization_id,
                account_id=spec.account_id,
                amount=spec.amount.amount,
                currency=spec.amount.currency,
                made_on=spec.made_on or today,
                due_on=spec.due_on,
                grace_days=spec.grace_days,
                channel=spec.channel,
                note=spec.note,
                actor_label=actor.label,
            )
            for spec in promises
        ]
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.PROMISE_CREATED,
                subject_type="promise",
                subject_id=promise.pk,
                account_id=spec.account_id,
                data={
                    "amount": str(spec.amount.amount),
                    "currency": spec.amount.currency,
                    "due_on": spec.due_on,
                    "grace_days": spec.grace_days,
                    "channel": spec.channel,
                },
            )
            for spec, promise in zip(promises, created, strict=True)
        ],
    )
    first: dict[int, int] = {}
    for promise in created:
        first.setdefault(promise.account_id, promise.pk)
    _follow_many(
        {pk: status for pk, (_, status) in locked.items()},
        AccountStatus.PROMISED,
        reasons={pk: f"promise {promise_id}" for pk, promise_id in first.items()},
        actor=actor,
    )
    return created


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
    again, so a reversed payment can undo them. Returns how many changed: `promises_evaluate_many`
    with a batch of one."""
    return promises_evaluate_many(account_ids=[account.pk], today=today, actor=actor)


@transaction.atomic
def promises_evaluate_many(*, account_ids: Sequence[int], today: date, actor: Principal) -> int:
    """`promises_evaluate` for many accounts: the accounts locked in id order, their open and kept
    promises and posted payments read in one query each, one UPDATE per new status, one audit event
    per changed promise (in account, then promise order), and an account whose last pending promise
    closed leaves `promised`. Returns how many promises changed."""
    ids = sorted(set(account_ids))
    rows = accounts_lock_many(organization_id=actor.organization_id, account_ids=ids, fields=("pk", "status"))
    statuses = dict(rows)
    promises = list(
        Promise.objects.select_for_update()
        .filter(
            account_id__in=in_array(list(statuses)), status__in=(PromiseStatus.PENDING, PromiseStatus.KEPT)
        )
        .order_by("account_id", "pk")
    )
    if not promises:
        return 0
    payments: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for account_id, received_on, amount in posted_payments_of(
        account_ids=sorted({p.account_id for p in promises})
    ):
        payments[account_id].append((received_on, amount))
    changes: list[tuple[Promise, str]] = []
    for p in promises:
        terms = domain.PromiseTerms(
            amount=p.amount, made_on=p.made_on, due_on=p.due_on, grace_days=p.grace_days
        )
        status = domain.promise_status(terms, payments[p.account_id], today=today)
        if status != p.status:
            changes.append((p, status))
    if not changes:
        return 0
    now = utcnow()
    for status in {status for _, status in changes}:
        Promise.objects.filter(pk__in=[p.pk for p, to in changes if to == status]).update(
            status=status, status_changed_at=now, updated_at=now
        )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event(f"promise.{status}"),
                subject_type="promise",
                subject_id=p.pk,
                account_id=p.account_id,
                data={"from": p.status, "to": status, "reason": "payments and dates"},
            )
            for p, status in changes
        ],
    )
    changed = {p.account_id for p, _ in changes}
    still_pending = set(
        Promise.objects.filter(account_id__in=in_array(sorted(changed)), status=PromiseStatus.PENDING)
        .values_list("account_id", flat=True)
        .distinct()
    )
    leaving = {
        pk: "no pending promise" for pk in changed - still_pending if statuses[pk] == AccountStatus.PROMISED
    }
    _follow_many(statuses, AccountStatus.ACTIVE, reasons=leaving, actor=actor)
    return len(changes)
