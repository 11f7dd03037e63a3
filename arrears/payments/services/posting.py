"""Payments: post (one, a batch, split over accounts), reverse, deposit the post-dated ones when
their date comes, and record the notice of a coming deposit (12 CFR 1006.22(c))."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from arrears.accounts.choices import AccountStatus
from arrears.accounts.errors import AccountError
from arrears.accounts.selectors import account_by_id, accounts_lock_many
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.bulk import in_array, insert_rows
from arrears.core.clock import ensure_aware, utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.core.money import Money, quantize
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.domain import ALLOCATION_ORDERS, OWED_BUCKETS, allocate
from arrears.ledger.selectors import ledger_entries_for_source
from arrears.ledger.services import EntrySpec, Posting, ledger_post, ledger_post_many, ledger_reverse
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .. import domain
from ..choices import PaymentMethod, PaymentStatus
from ..errors import PaymentError
from ..models import Payment
from ..selectors import exchange_rate_find
from ._common import ZERO, _follow, _lock, _owed, _rule, local_date, organization_today
from .holds import MoneyFacts, account_money_facts

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.models import Organization


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    account: Account | int  # an id is enough: the account is locked and read again anyway
    amount: Money
    method: str
    received_at: datetime
    idempotency_key: str
    deposit_on: date | None = None
    reference: str = ""
    split_key: str = ""

    @property
    def account_id(self) -> int:
        return self.account if isinstance(self.account, int) else self.account.pk


@dataclass(slots=True)
class _Locked:
    """What posting reads of a locked account: no model instance per account in a batch."""

    pk: int
    organization_id: int
    currency: str
    allocation_order: str
    balances: dict[str, Decimal]
    last_payment_on: date | None

    @classmethod
    def of(cls, account: Account) -> _Locked:
        balances = {b: getattr(account, f"balance_{b}") for b in _BALANCES}
        return cls(
            account.pk,
            account.organization_id,
            account.currency,
            account.allocation_order,
            balances,
            account.last_payment_on,
        )


_BALANCES = (*OWED_BUCKETS, Bucket.CREDIT)


def _lock_many(ids: Sequence[int], actor: Principal) -> dict[int, _Locked]:
    """Lock accounts of the actor's organization in id order and read what posting needs."""
    columns = ("pk", "currency", "allocation_order", "last_payment_on", *(f"balance_{b}" for b in _BALANCES))
    rows = accounts_lock_many(organization_id=actor.organization_id, account_ids=ids, fields=columns)
    return {
        pk: _Locked(
            pk, actor.organization_id, currency, order, dict(zip(_BALANCES, balances, strict=True)), last
        )
        for pk, currency, order, last, *balances in rows
    }


def payment_post(
    *,
    account: Account,
    amount: Money,
    method: str,
    received_at: datetime,
    actor: Principal,
    idempotency_key: str,
    deposit_on: date | None = None,
    reference: str = "",
) -> Payment:
    """Post one payment: allocate it over the buckets by the account's waterfall and write the ledger.

    A retry with the same idempotency key returns the first payment. A payment post-dated beyond
    its received date is scheduled instead and posted by the nightly run on its deposit date.
    """
    request = PaymentRequest(account, amount, method, received_at, idempotency_key, deposit_on, reference)
    return payments_post(requests=[request], actor=actor)[0]


def payments_post(*, requests: Sequence[PaymentRequest], actor: Principal) -> list[Payment]:
    """Post many payments in one transaction (a lockbox file, a provider batch); one result per request.

    Each payment is audited and on the ledger exactly as if posted alone. If another writer inserts
    the same idempotency key first, the unique constraint stops us; the retry then finds its payment.
    """
    for attempt in range(3):
        try:
            return _payments_post(requests, actor)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@transaction.atomic
def _payments_post(requests: Sequence[PaymentRequest], actor: Principal) -> list[Payment]:
    if not requests:
        return []
    for r in requests:
        _validate_request(r)
    ids = sorted({r.account_id for r in requests})
    organization = organization_get(organization_id=actor.organization_id)
    accounts = _lock_many(ids, actor)
    if missing := [pk for pk in ids if pk not in accounts]:
        raise NotFound(AccountError.NOT_FOUND, f"no account {missing[0]}")
    keys = [r.idempotency_key for r in requests]
    known = {
        p.idempotency_key: p
        for p in Payment.objects.filter(
            organization_id=actor.organization_id, idempotency_key__in=in_array(keys, "text")
        )
    }
    results: list[Payment] = []
    new: list[Payment] = []
    now = utcnow()
    for r in requests:
        if (first := known.get(r.idempotency_key)) is not None:
            _check_replay(first, r)
            results.append(first)
            continue
        payment = _new_payment(r, accounts[r.account_id], organization, actor=actor, now=now)
        known[r.idempotency_key] = payment
        new.append(payment)
        results.append(payment)
    _insert_payments(new, now=now)
    scheduled = [p for p in new if p.status == PaymentStatus.SCHEDULED]
    for p in scheduled:
        audit_record(
            actor=actor,
            event=Event.PAYMENT_SCHEDULED,
            subject_type="payment",
            subject_id=p.pk,
            account_id=p.account_id,
            data={
                "amount": str(p.amount),
                "currency": p.currency,
                "deposit_on": p.deposit_on,
                "notice_from": p.notice_from,
                "notice_by": p.notice_by,
            },
        )
    _post_to_ledger([p for p in new if p.status == PaymentStatus.POSTED], accounts, actor=actor)
    return results


_PAYMENT_COLUMNS = tuple(f.attname for f in Payment._meta.concrete_fields if not f.primary_key)


def _insert_payments(payments: Sequence[Payment], *, now: datetime) -> None:
    """Insert new payments in one statement and give each its id."""
    for p in payments:
        p.created_at = p.updated_at = now
    ids = insert_rows(Payment, [{c: getattr(p, c) for c in _PAYMENT_COLUMNS} for p in payments])
    for p, pk in zip(payments, ids, strict=True):
        p.pk = pk
        p._state.adding = False


def _validate_request(r: PaymentRequest) -> None:
    if not r.idempotency_key or len(r.idempotency_key) > 200:
        raise ArrearsError(
            PaymentError.IDEMPOTENCY_KEY_REQUIRED, "an idempotency key (1–200 characters) is required"
        )
    if r.method not in PaymentMethod.values:
        raise ArrearsError(
            PaymentError.METHOD_INVALID, f"method must be one of {', '.join(PaymentMethod.values)}"
        )
    if r.amount.amount <= 0 or quantize(r.amount.amount, r.amount.currency) != r.amount.amount:
        raise ArrearsError(PaymentError.AMOUNT_NOT_POSITIVE, f"not a positive amount in {r.amount.currency}")


def _check_replay(first: Payment, r: PaymentRequest) -> None:
    paid = (
        (first.original_amount, first.original_currency)
        if first.original_currency
        else (first.amount, first.currency)
    )
    if first.account_id != r.account_id or paid != (r.amount.amount, r.amount.currency):
        raise Conflict(
            PaymentError.IDEMPOTENCY_KEY_REUSED,
            f"idempotency key {r.idempotency_key!r} was used for another payment ({first.pk})",
        )


_PAYMENT_DEFAULTS = {f.attname: f.get_default() for f in Payment._meta.concrete_fields}


def _payment_of(values: Mapping[str, Any]) -> Payment:
    """A new Payment from its column values, built positionally: Django's keyword path looks up every
    field's default one by one, several times the cost of the positional one."""
    return Payment(*(values.get(name, default) for name, default in _PAYMENT_DEFAULTS.items()))


def _new_payment(
    r: PaymentRequest, account: _Locked, organization: Organization, *, actor: Principal, now: datetime
) -> Payment:
    received_on = local_date(r.received_at, organization)
    amount, original = r.amount, None
    fx_rate: Decimal | None = None
    fx_on: date | None = None
    if r.amount.currency != account.currency:
        fx_rate, fx_on, _ = exchange_rate_find(
            organization_id=account.organization_id,
            base=r.amount.currency,
            quote=account.currency,
            on=received_on,
        )
        amount, original = domain.convert(r.amount, to=account.currency, rate=fx_rate), r.amount
    payment = _payment_of(
        {
            "organization_id": account.organization_id,
            "account_id": account.pk,
            "amount": amount.amount,
            "currency": amount.currency,
            "method": r.method,
            "received_at": ensure_aware(r.received_at),
            "received_on": received_on,
            "idempotency_key": r.idempotency_key,
            "reference": r.reference,
            "split_key": r.split_key,
            "original_amount": original.amount if original else None,
            "original_currency": original.currency if original else "",
            "fx_rate": fx_rate,
            "fx_rate_on": fx_on,
            "actor_label": actor.label,
        }
    )
    if r.deposit_on is not None and r.deposit_on > received_on:
        try:
            window = domain.postdated_notice_window(accepted_on=received_on, deposit_on=r.deposit_on)
        except domain.RuleError as exc:
            raise _rule(exc, PaymentError.POSTDATE_TOO_SOON) from exc
        payment.status = PaymentStatus.SCHEDULED
        payment.deposit_on = r.deposit_on
        payment.notice_from, payment.notice_by = window or (None, None)
    else:
        payment.status = PaymentStatus.POSTED
        payment.posted_at = now
    return payment


def _post_to_ledger(
    payments: Sequence[Payment], accounts: Mapping[int, _Locked], *, actor: Principal
) -> None:
    """Allocate each payment on its locked account's balances, in order, and write the ledger."""
    if not payments:
        return
    running = {pk: dict(a.balances) for pk, a in accounts.items()}
    batch: list[Posting] = []
    for p in payments:
        account = accounts[p.account_id]
        split = allocate(
            p.amount, balances=running[p.account_id], order=ALLOCATION_ORDERS[account.allocation_order]
        )
        postings = domain.payment_postings(split)
        running[p.account_id] = domain.apply_postings(running[p.account_id], postings)
        specs = [
            EntrySpec(EntryKind.PAYMENT, bucket, amount, memo=f"{p.method} payment")
            for bucket, amount in postings
        ]
        batch.append(
            Posting(
                account.pk, specs, p.received_on, source=("payment", str(p.pk)), event=Event.PAYMENT_POSTED
            )
        )
    # The last payment is the latest received (the later posted on a tie), whether the payments
    # come in one batch or one by one: a back-dated payment does not move it back.
    last: dict[int, Payment] = {}
    for p in payments:
        before = (
            last[p.account_id].received_on if p.account_id in last else accounts[p.account_id].last_payment_on
        )
        if before is None or p.received_on >= before:
            last[p.account_id] = p
    # The last-payment fields go in the ledger's UPDATE of the cached balances: one row version each.
    ledger_post_many(
        postings=batch,
        actor=actor,
        account_fields={
            pk: {"last_payment_on": p.received_on, "last_payment_amount": p.amount} for pk, p in last.items()
        },
    )
    moved = sorted({p.account_id for p in payments})
    for pk in moved:
        if sum((running[pk][b] for b in OWED_BUCKETS), ZERO) == 0:
            _follow(account_by_id(account_id=pk), AccountStatus.PAID, actor=actor, reason="paid in full")
    _reconcile_on_commit(moved, actor)


def _reconcile_on_commit(account_ids: list[int], actor: Principal) -> None:
    from ..tasks import accounts_reconcile_task

    def enqueue() -> None:
        accounts_reconcile_task.enqueue(organization_id=actor.organization_id, account_ids=account_ids)

    transaction.on_commit(enqueue)


@transaction.atomic
def payment_reverse(
    *, payment: Payment, reason: str, actor: Principal, fee: Money | None = None, on: date | None = None
) -> Payment:
    """Reverse a payment (NSF, chargeback): the exact allocation is restored by reversing entries,
    and an optional returned-payment fee is charged. A scheduled payment is simply cancelled."""
    account = _lock(payment.account_id, actor)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status not in (PaymentStatus.POSTED, PaymentStatus.SCHEDULED):
        raise Conflict(PaymentError.NOT_REVERSIBLE, f"payment {locked.pk} is {locked.status}")
    on = on or organization_today(account.organization)
    reversed_entries = []
    if locked.status == PaymentStatus.POSTED:
        entries = ledger_entries_for_source(
            source_type="payment", source_id=str(locked.pk), kind=EntryKind.PAYMENT
        )
        reversed_entries = ledger_reverse(
            entries=entries, actor=actor, reason=f"payment {locked.pk} returned: {reason}", effective_on=on
        )
        locked.status = PaymentStatus.REVERSED
    else:
        locked.status = PaymentStatus.CANCELLED
    if fee is not None and fee.amount > 0:
        if fee.currency != account.currency:
            raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"the fee must be in {account.currency}")
        ledger_post(
            account=account,
            entries=[
                EntrySpec(EntryKind.FEE, Bucket.FEES, fee.amount, memo=f"returned payment fee ({reason})")
            ],
            effective_on=on,
            actor=actor,
            source=("payment_return", str(locked.pk)),
            event=Event.PAYMENT_RETURN_FEE,
        )
    locked.reversed_at = utcnow()
    locked.reversal_reason = reason
    locked.save(update_fields=["status", "reversed_at", "reversal_reason", "updated_at"])
    audit_record(
        actor=actor,
        event=Event(f"payment.{locked.status}"),
        subject_type="payment",
        subject_id=locked.pk,
        account_id=account.pk,
        data={
            "reason": reason,
            "entries": [e.pk for e in reversed_entries],
            "fee": str(fee.amount) if fee else None,
        },
    )
    account.refresh_from_db(fields=["status", *(f"balance_{b}" for b in OWED_BUCKETS)])
    if account.status in (AccountStatus.PAID, AccountStatus.SETTLED) and _owed(account) > 0:
        _follow(account, AccountStatus.ACTIVE, actor=actor, reason=f"payment {locked.pk} reversed")
    _reconcile_on_commit([account.pk], actor)
    return locked


def payment_post_split(
    *,
    accounts: Sequence[Account],
    amount: Money,
    rule: str,
    method: str,
    received_at: datetime,
    actor: Principal,
    idempotency_key: str,
    stated: Mapping[int, Decimal] | None = None,
    facts: Mapping[int, MoneyFacts] | None = None,
) -> list[Payment]:
    """One remittance over several accounts of one currency, split by a stated rule. A disputed
    account receives nothing (12 CFR 1006.30(c)). Retries with the same key return the same split."""
    if len({a.currency for a in accounts}) != 1 or accounts[0].currency != amount.currency:
        raise ArrearsError(
            PaymentError.CURRENCY_MISMATCH, "a split payment and its accounts share one currency"
        )
    existing = list(Payment.objects.filter(organization_id=actor.organization_id, split_key=idempotency_key))
    if existing:
        return existing
    facts = facts or account_money_facts(accounts=accounts, on=received_at.date(), actor=actor)
    shares_in = [
        domain.ShareInput(
            a.pk,
            _owed(a),
            disputed=facts.get(a.pk, MoneyFacts()).disputed,
            opened_on=a.opened_on,
            stated=(stated or {}).get(a.pk),
        )
        for a in accounts
    ]
    try:
        shares = domain.split_payment(amount.amount, shares_in, rule=rule, currency=amount.currency)
    except domain.RuleError as exc:
        code = PaymentError.ACCOUNT_DISPUTED if "disputed" in str(exc) else PaymentError.SPLIT_INVALID
        raise _rule(exc, code) from exc
    by_pk = {a.pk: a for a in accounts}
    requests = [
        PaymentRequest(
            by_pk[pk],
            Money(share, amount.currency),
            method,
            received_at,
            f"{idempotency_key}#{pk}",
            split_key=idempotency_key,
        )
        for pk, share in shares.items()
        if share > 0
    ]
    return payments_post(requests=requests, actor=actor)


@transaction.atomic
def payments_deposit_due(*, organization_id: int, through: date, actor: Principal) -> int:
    """Post scheduled (post-dated) payments whose deposit date has come. Safe to run twice."""
    due = list(
        Payment.objects.filter(
            organization_id=organization_id, status=PaymentStatus.SCHEDULED, deposit_on__lte=through
        )
        .values_list("account_id", flat=True)
        .distinct()
    )
    posted = 0
    for account_id in sorted(due):
        account = _lock(account_id, actor)
        payments = list(
            Payment.objects.select_for_update()
            .filter(account=account, status=PaymentStatus.SCHEDULED, deposit_on__lte=through)
            .order_by("deposit_on", "pk")
        )
        now = utcnow()
        for p in payments:
            p.status, p.posted_at, p.received_on = PaymentStatus.POSTED, now, p.deposit_on or p.received_on
            p.save(update_fields=["status", "posted_at", "received_on", "updated_at"])
        _post_to_ledger(payments, {account.pk: _Locked.of(account)}, actor=actor)
        posted += len(payments)
    return posted


@transaction.atomic
def payment_notices_record(*, organization_id: int, on: date, actor: Principal) -> int:
    """Record that the Reg F 1006.22(c) notice of a coming deposit is due today, once per payment.

    The contact outbox sends it; the record (and its audit event) is what it reads.
    """
    due = list(
        Payment.objects.select_for_update().filter(
            organization_id=organization_id,
            status=PaymentStatus.SCHEDULED,
            notice_from__lte=on,
            notice_by__gte=on,
            notice_recorded_at__isnull=True,
        )
    )
    now = utcnow()
    for p in due:
        p.notice_recorded_at = now
        p.save(update_fields=["notice_recorded_at", "updated_at"])
        audit_record(
            actor=actor,
            event=Event.PAYMENT_POSTDATED_NOTICE_DUE,
            subject_type="payment",
            subject_id=p.pk,
            account_id=p.account_id,
            data={"deposit_on": p.deposit_on, "amount": str(p.amount), "notice_by": p.notice_by},
        )
    return len(due)
