"""Money in: every write of payments, promises, plans, settlements, interest and exchange rates.

Each service runs in a transaction, locks the accounts it moves money on (in id order, so that
concurrent writers never deadlock), writes the ledger through `ledger.services`, audits, and
schedules follow-up work with `transaction.on_commit`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from arrears.accounts.choices import AccountStatus
from arrears.accounts.domain import TRANSITIONS
from arrears.accounts.models import Account
from arrears.accounts.services import account_transition
from arrears.audit.services import audit_record
from arrears.compliance.choices import HoldKind
from arrears.compliance.selectors import holds_for_account
from arrears.core.bulk import in_array, insert_rows
from arrears.core.clock import ensure_aware, utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound, PermissionDenied
from arrears.core.money import Money, quantize
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.domain import ALLOCATION_ORDERS, OWED_BUCKETS, allocate
from arrears.ledger.selectors import ledger_bucket_changes, ledger_entries_for_source
from arrears.ledger.services import EntrySpec, Posting, ledger_post, ledger_post_many, ledger_reverse
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import Organization

from .. import domain
from ..choices import (
    OPEN_PLAN,
    OPEN_SETTLEMENT,
    FeeKind,
    InstallmentStatus,
    PaymentMethod,
    PaymentStatus,
    PlanStatus,
    PromiseStatus,
    SettlementKind,
    SettlementStatus,
)
from ..errors import InterestError, PaymentError, PlanError, PromiseError, SettlementError
from ..models import (
    ExchangeRate,
    Installment,
    InterestAccrual,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
)
from ..selectors import exchange_rate_find

ZERO = Decimal(0)


def _rule(exc: domain.RuleError, code: str) -> ArrearsError:
    return ArrearsError(code, str(exc))


def local_date(at: datetime, organization: Organization) -> date:
    """The business date of an instant in the organization's time zone."""
    return ensure_aware(at).astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


def organization_today(organization: Organization) -> date:
    return local_date(utcnow(), organization)


def _owed(account: Account) -> Decimal:
    return sum((getattr(account, f"balance_{b}") for b in OWED_BUCKETS), ZERO)


def _lock(account: Account | int, actor: Principal) -> Account:
    pk = account if isinstance(account, int) else account.pk
    try:
        return (
            Account.objects.select_for_update(of=("self",))
            .select_related("organization")
            .get(pk=pk, organization_id=actor.organization_id)
        )
    except Account.DoesNotExist:
        raise NotFound("ACCOUNT_NOT_FOUND", f"no account {pk}") from None


def _follow(account: Account, to: str, *, actor: Principal, reason: str) -> None:
    """Move the account's status along when the lifecycle allows it; otherwise leave it (a payment on
    a disputed or recalled account does not change why it is there)."""
    current = Account.objects.filter(pk=account.pk).values_list("status", flat=True).get()
    if current != to and to in TRANSITIONS.get(current, frozenset()):
        account_transition(account=account, to=to, actor=actor, reason=reason)


# ---------------------------------------------------------------------------------------------
# Holds that change how money moves
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MoneyFacts:
    """What the compliance state of an account means for money in."""

    disputed: bool = False
    scra_active: bool = False
    interest_suspended: bool = False


def account_money_facts(*, accounts: Sequence[Account], on: date, actor: Principal) -> dict[int, MoneyFacts]:
    """Read the compliance state that changes how money moves, from the active holds.

    - a dispute (hold, or the account's `disputed` status): a split payment skips the account
      (12 CFR 1006.30(c));
    - SCRA active duty: interest capped at 6% (50 U.S.C. 3937);
    - bankruptcy: interest stops (the automatic stay, 11 U.S.C. 362(a), and no unmatured interest on
      the claim, 11 U.S.C. 502(b)(2)).
    Holds count from their effective date on; services also take these facts as parameters.
    """
    facts = {}
    for account in accounts:
        kinds = {h.kind for h in holds_for_account(principal=actor, account=account) if h.effective_on <= on}
        facts[account.pk] = MoneyFacts(
            disputed=account.status == AccountStatus.DISPUTED or HoldKind.DISPUTE in kinds,
            scra_active=HoldKind.SCRA in kinds,
            interest_suspended=HoldKind.BANKRUPTCY in kinds,
        )
    return facts


# ---------------------------------------------------------------------------------------------
# Exchange rates
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def exchange_rate_set(
    *, organization_id: int, base: str, quote: str, rate: Decimal, on: date, source: str, actor: Principal
) -> ExchangeRate:
    if rate <= 0 or base == quote:
        raise ArrearsError(PaymentError.NO_EXCHANGE_RATE, "a rate is positive and between two currencies")
    row, _ = ExchangeRate.objects.update_or_create(
        organization_id=organization_id,
        base=base,
        quote=quote,
        on=on,
        defaults={"rate": rate, "source": source},
    )
    audit_record(
        actor=actor,
        event="exchange_rate.set",
        subject_type="exchange_rate",
        subject_id=row.pk,
        data={"base": base, "quote": quote, "rate": str(rate), "on": on.isoformat(), "source": source},
    )
    return row


# ---------------------------------------------------------------------------------------------
# Payments
# ---------------------------------------------------------------------------------------------


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
    rows = (
        Account.objects.select_for_update()
        .filter(organization_id=actor.organization_id, pk__in=in_array(ids))
        .order_by("pk")
        .values_list(*columns)
    )
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
    organization = Organization.objects.get(pk=actor.organization_id)
    accounts = _lock_many(ids, actor)
    if missing := [pk for pk in ids if pk not in accounts]:
        raise NotFound("ACCOUNT_NOT_FOUND", f"no account {missing[0]}")
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
            event="payment.scheduled",
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
            Posting(account.pk, specs, p.received_on, source=("payment", str(p.pk)), event="payment.posted")
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
            _follow(Account.objects.get(pk=pk), AccountStatus.PAID, actor=actor, reason="paid in full")
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
            event="payment.return_fee",
        )
    locked.reversed_at = utcnow()
    locked.reversal_reason = reason
    locked.save(update_fields=["status", "reversed_at", "reversal_reason", "updated_at"])
    audit_record(
        actor=actor,
        event=f"payment.{locked.status}",
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
            event="payment.postdated_notice_due",
            subject_type="payment",
            subject_id=p.pk,
            account_id=p.account_id,
            data={"deposit_on": p.deposit_on, "amount": str(p.amount), "notice_by": p.notice_by},
        )
    return len(due)


# ---------------------------------------------------------------------------------------------
# Promises to pay
# ---------------------------------------------------------------------------------------------


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
        event="promise.created",
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
        event=f"promise.{status}",
        subject_type="promise",
        subject_id=promise.pk,
        account_id=promise.account_id,
        data={"from": previous, "to": status, "reason": reason},
    )


def _account_after_promises(account: Account, *, actor: Principal) -> None:
    """An account leaves `promised` once no promise is pending."""
    if not Promise.objects.filter(account=account, status=PromiseStatus.PENDING).exists():
        current = Account.objects.filter(pk=account.pk).values_list("status", flat=True).get()
        if current == AccountStatus.PROMISED:
            _follow(account, AccountStatus.ACTIVE, actor=actor, reason="no pending promise")


def _posted_payments(account: Account) -> list[tuple[date, Decimal]]:
    return list(
        Payment.objects.filter(account=account, status=PaymentStatus.POSTED).values_list(
            "received_on", "amount"
        )
    )


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


# ---------------------------------------------------------------------------------------------
# Payment plans
# ---------------------------------------------------------------------------------------------


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
        event="plan.created",
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
                event=f"plan.{plan.status}",
                subject_type="plan",
                subject_id=plan.pk,
                account_id=account.pk,
                data={"from": previous, "missed": list(standing.missed)},
            )
            if plan.status in (PlanStatus.BROKEN, PlanStatus.COMPLETED):
                current = Account.objects.filter(pk=account.pk).values_list("status", flat=True).get()
                if current == AccountStatus.ON_PLAN:
                    _follow(
                        account, AccountStatus.ACTIVE, actor=actor, reason=f"plan {plan.pk} {plan.status}"
                    )
            changed += 1
    return changed


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
            event="fee.late",
        )


# ---------------------------------------------------------------------------------------------
# Settlements
# ---------------------------------------------------------------------------------------------


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
        event="settlement.offered",
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
        event="settlement.approved",
        subject_type="settlement",
        subject_id=locked.pk,
        account_id=locked.account_id,
        data={"discount_pct": str(locked.discount_pct)},
    )
    return locked


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
                event="settlement.expired",
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
            event="settlement.write_off",
        )
    s.status, s.completed_at, s.write_off_reason = SettlementStatus.COMPLETED, utcnow(), reason
    s.save(update_fields=["status", "completed_at", "write_off_reason", "updated_at"])
    if s.plan_id:
        PaymentPlan.objects.filter(pk=s.plan_id, status__in=OPEN_PLAN).update(
            status=PlanStatus.COMPLETED, status_changed_at=utcnow()
        )
    audit_record(
        actor=actor,
        event="settlement.completed",
        subject_type="settlement",
        subject_id=s.pk,
        account_id=account.pk,
        data={"written_off": {e.bucket: str(-e.amount) for e in specs}, "reason": reason},
    )
    _follow(account, AccountStatus.SETTLED, actor=actor, reason=reason)


# ---------------------------------------------------------------------------------------------
# Reconciliation after money moves, and interest
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def account_reconcile(*, account_id: int, today: date, actor: Principal) -> dict[str, int]:
    """Bring promises, plans and settlements of one account up to date. Safe to run twice."""
    account = _lock(account_id, actor)
    return {
        "promises": promises_evaluate(account=account, today=today, actor=actor),
        "plans": plans_evaluate(account=account, today=today, actor=actor),
        "settlements": settlements_evaluate(account=account, today=today, actor=actor),
    }


def accrual_start(account: Account) -> date:
    """Where interest starts on an account that has none accrued here yet: the later of the
    itemization date and the placement. A placed balance (an import, a creditor's file) already holds
    the interest charged up to the placement, so accruing from the itemization date would charge that
    stretch twice (12 CFR 1006.22(b), FDCPA 808(1): no amount not expressly authorized)."""
    known = [d for d in (account.itemization_date, account.placed_on) if d is not None]
    if known:
        return max(known)
    return account.opened_on or local_date(account.created_at, account.organization)


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
    opening = locked.balance_principal - sum((delta for _, delta in changes), ZERO)
    segments = domain.principal_segments(start=start, end=through, opening=opening, changes=changes)
    try:
        accrual = domain.interest_accrue(
            segments=segments,
            contract_rate=locked.interest_rate,
            basis=locked.interest_basis,
            currency=locked.currency,
            state_cap=state_cap,
            scra_active=facts.scra_active,
        )
    except domain.RuleError as exc:
        raise _rule(exc, InterestError.INVALID_BASIS) from exc
    amount = ZERO if facts.interest_suspended else accrual.amount
    if amount > 0:
        ledger_post(
            account=locked,
            entries=[
                EntrySpec(
                    EntryKind.INTEREST,
                    Bucket.INTEREST,
                    amount,
                    memo=f"interest {start}..{through} at {accrual.rate}% {locked.interest_basis}",
                )
            ],
            effective_on=through,
            actor=actor,
            source=("interest", f"{locked.pk}:{through}"),
            event="interest.accrued",
        )
    return InterestAccrual.objects.create(
        organization_id=locked.organization_id,
        account=locked,
        start=start,
        through=through,
        amount=amount,
        forgiven=ZERO if facts.interest_suspended else accrual.forgiven,
        rate=accrual.rate,
        basis=locked.interest_basis,
        days=accrual.days,
        suspended=facts.interest_suspended,
        scra=facts.scra_active,
        created_at=utcnow(),
    )
