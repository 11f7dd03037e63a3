"""Reads for money in: scoped lookups, and the read models the CLI (and later the API) print."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet, Sum

from arrears.accounts.selectors import account_ids_earning_interest, accounts_in_organization
from arrears.core.bulk import in_array
from arrears.core.errors import ArrearsError, NotFound
from arrears.core.money import Money, from_storage, quantize
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.selectors import ledger_entries_for_source
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_currency

from . import domain
from .choices import ACCRUING, OPEN_PLAN, OPEN_SETTLEMENT, InstallmentStatus, PaymentStatus, PromiseStatus
from .errors import AchError, PaymentError, PlanError, PromiseError, SettlementError
from .models import ExchangeRate, Installment, InterestCap, Payment, PaymentPlan, Promise, Settlement

if TYPE_CHECKING:
    from arrears.accounts.models import Account


def _scoped(model: type[Any], principal: Principal) -> QuerySet[Any]:
    qs = model.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        qs = qs.filter(account__client_id__in=principal.client_ids)
    return qs


def payment_get(*, principal: Principal, pk: int) -> Payment:
    """A payment the principal may see; another tenant's id is simply not found."""
    try:
        return _scoped(Payment, principal).select_related("account").get(pk=pk)
    except Payment.DoesNotExist:
        raise NotFound(PaymentError.NOT_FOUND, f"no payment {pk}") from None


def promise_get(*, principal: Principal, pk: int) -> Promise:
    try:
        return _scoped(Promise, principal).select_related("account").get(pk=pk)
    except Promise.DoesNotExist:
        raise NotFound(PromiseError.NOT_FOUND, f"no promise {pk}") from None


def plan_get(*, principal: Principal, pk: int) -> PaymentPlan:
    try:
        return _scoped(PaymentPlan, principal).select_related("account").get(pk=pk)
    except PaymentPlan.DoesNotExist:
        raise NotFound(PlanError.NOT_FOUND, f"no plan {pk}") from None


def _page(
    qs: QuerySet[Any], *, account_id: int | None, status: str | None, starting_after: int | None, limit: int
) -> list[Any]:
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    if status:
        qs = qs.filter(status=status)
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return list(qs.select_related("account").order_by("pk")[:limit])


def promises_page(
    *,
    principal: Principal,
    starting_after: int | None,
    limit: int,
    account_id: int | None = None,
    status: str | None = None,
) -> list[Promise]:
    """Up to `limit` promises the principal may see after the id `starting_after`, by id (one account's,
    or of one status, when asked): a cursor page."""
    return _page(
        _scoped(Promise, principal),
        account_id=account_id,
        status=status,
        starting_after=starting_after,
        limit=limit,
    )


def plans_page(
    *,
    principal: Principal,
    starting_after: int | None,
    limit: int,
    account_id: int | None = None,
    status: str | None = None,
) -> list[PaymentPlan]:
    """A cursor page of plans, as `promises_page`, with their installments (one more query)."""
    qs = _scoped(PaymentPlan, principal).prefetch_related(
        Prefetch("installments", queryset=Installment.objects.order_by("seq"))
    )
    return _page(qs, account_id=account_id, status=status, starting_after=starting_after, limit=limit)


def settlements_page(
    *,
    principal: Principal,
    starting_after: int | None,
    limit: int,
    account_id: int | None = None,
    status: str | None = None,
) -> list[Settlement]:
    """A cursor page of settlements, as `promises_page`."""
    return _page(
        _scoped(Settlement, principal),
        account_id=account_id,
        status=status,
        starting_after=starting_after,
        limit=limit,
    )


def payment_allocation(payment: Payment) -> dict[str, Decimal]:
    """How the payment was applied, per bucket (credit = overpayment), read from its ledger entries."""
    if payment.status in (PaymentStatus.SCHEDULED, PaymentStatus.CANCELLED):
        return {}
    result = dict.fromkeys(Bucket.values, Decimal(0))
    for e in ledger_entries_for_source(
        source_type="payment", source_id=str(payment.pk), kind=EntryKind.PAYMENT
    ):
        result[e.bucket] += abs(e.amount)
    return result


def _money(amount: Decimal | None, currency: str) -> str | None:
    return None if amount is None else str(quantize(amount, currency))


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def payment_read(payment: Payment) -> dict[str, Any]:
    cur = payment.currency
    return {
        "id": payment.pk,
        "account": payment.account.reference,
        "account_id": payment.account_id,
        "amount": _money(payment.amount, cur),
        "currency": cur,
        "method": payment.method,
        "status": payment.status,
        "received_at": _instant(payment.received_at),
        "received_on": _day(payment.received_on),
        "deposit_on": _day(payment.deposit_on),
        "idempotency_key": payment.idempotency_key,
        "reference": payment.reference,
        "allocation": {b: _money(a, cur) for b, a in payment_allocation(payment).items()},
        "original": {
            "amount": _money(payment.original_amount, payment.original_currency),
            "currency": payment.original_currency,
            "rate": str(payment.fx_rate),
            "rate_on": _day(payment.fx_rate_on),
        }
        if payment.original_currency
        else None,
        "notice": {"from": _day(payment.notice_from), "by": _day(payment.notice_by)}
        if payment.notice_from
        else None,
        "reversed_at": _instant(payment.reversed_at),
        "reversal_reason": payment.reversal_reason,
    }


def promise_read(promise: Promise) -> dict[str, Any]:
    return {
        "id": promise.pk,
        "account": promise.account.reference,
        "account_id": promise.account_id,
        "amount": _money(promise.amount, promise.currency),
        "currency": promise.currency,
        "made_on": _day(promise.made_on),
        "due_on": _day(promise.due_on),
        "grace_days": promise.grace_days,
        "channel": promise.channel,
        "note": promise.note,
        "status": promise.status,
    }


def plan_read(plan: PaymentPlan) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "account": plan.account.reference,
        "account_id": plan.account_id,
        "total": _money(plan.total, plan.currency),
        "currency": plan.currency,
        "frequency": plan.frequency,
        "status": plan.status,
        "made_on": _day(plan.made_on),
        "grace_days": plan.grace_days,
        "delinquent_after": plan.delinquent_after,
        "broken_after": plan.broken_after,
        "installments": [
            {
                "seq": i.seq,
                "due_on": _day(i.due_on),
                "amount": _money(i.amount, plan.currency),
                "status": i.status,
            }
            for i in sorted(plan.installments.all(), key=lambda i: i.seq)
        ],
        "confirmation": {"due_on": _day(plan.confirmation_due_on), "text": plan.confirmation_text},
    }


def settlement_read(settlement: Settlement) -> dict[str, Any]:
    cur = settlement.currency
    return {
        "id": settlement.pk,
        "account": settlement.account.reference,
        "account_id": settlement.account_id,
        "kind": settlement.kind,
        "amount": _money(settlement.amount, cur),
        "currency": cur,
        "balance_at_offer": _money(settlement.balance_at_offer, cur),
        "discount_pct": str(settlement.discount_pct),
        "made_on": _day(settlement.made_on),
        "expires_on": _day(settlement.expires_on),
        "status": settlement.status,
        "required_role": settlement.required_role,
        "offered_by": settlement.offered_by,
        "approved_by": settlement.approved_by,
        "approved_at": _instant(settlement.approved_at),
        "plan_id": settlement.plan_id,
        "completed_at": _instant(settlement.completed_at),
        "write_off_reason": settlement.write_off_reason,
    }


@dataclass(frozen=True, slots=True)
class CurrentPlan:
    """An account's plan in force, as a message tells the debtor about it."""

    plan_id: int
    total: Decimal
    currency: str
    frequency: str
    made_on: date
    next_amount: Decimal | None  # the first installment still due, if any
    next_due_on: date | None


def plans_current(*, account_ids: Iterable[int]) -> dict[int, CurrentPlan]:
    """Each account's newest plan in force (active or delinquent), by account id; accounts without one
    are absent. Two queries whatever the number of accounts. The caller has scoped the accounts."""
    newest: dict[int, tuple[int, Decimal, str, str, date]] = {}
    for account_id, pk, total, currency, frequency, made_on in (
        PaymentPlan.objects.filter(account_id__in=list(account_ids), status__in=OPEN_PLAN)
        .order_by("account_id", "-made_on", "-id")
        .values_list("account_id", "id", "total", "currency", "frequency", "made_on")
    ):
        newest.setdefault(account_id, (pk, total, currency, frequency, made_on))
    due: dict[int, tuple[Decimal, date]] = {}
    for plan_id, amount, due_on in (
        Installment.objects.filter(plan_id__in=[p[0] for p in newest.values()], status=InstallmentStatus.DUE)
        .order_by("plan_id", "seq")
        .values_list("plan_id", "amount", "due_on")
    ):
        due.setdefault(plan_id, (amount, due_on))
    found = {}
    for account_id, (pk, total, currency, frequency, made_on) in newest.items():
        next_due = due.get(pk)
        found[account_id] = CurrentPlan(
            pk, total, currency, frequency, made_on, *(next_due if next_due else (None, None))
        )
    return found


def collections_in_home_currency(
    *, principal: Principal, received_from: date, received_to: date, report_on: date
) -> dict[str, Any]:
    """Posted payments per currency, and their total in the organization's home currency at the rate
    of the report date (the latest published on or before it). The result says which rates it used."""
    home = organization_currency(organization_id=principal.organization_id)
    rows = (
        _scoped(Payment, principal)
        .filter(status=PaymentStatus.POSTED, received_on__gte=received_from, received_on__lte=received_to)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    )
    by_currency: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        by_currency[r["currency"]] += from_storage(r["total"])
    converted = Decimal(0)
    rates = []
    for currency, total in by_currency.items():
        rate, rate_on, source = (
            (Decimal(1), report_on, "")
            if currency == home
            else exchange_rate_find(
                organization_id=principal.organization_id, base=currency, quote=home, on=report_on
            )
        )
        converted += domain.convert(Money(quantize(total, currency), currency), to=home, rate=rate).amount
        if currency != home:
            rates.append(
                {"from": currency, "to": home, "rate": str(rate), "on": _day(rate_on), "source": source}
            )
    return {
        "from": _day(received_from),
        "to": _day(received_to),
        "by_currency": {c: _money(t, c) for c, t in by_currency.items()},
        "home_currency": home,
        "total_in_home_currency": _money(converted, home),
        "rates": rates,
        "note": f"Converted to {home} at the rates of {report_on.isoformat()} "
        "(the latest published on or before that date).",
    }


def exchange_rate_find(*, organization_id: int, base: str, quote: str, on: date) -> tuple[Decimal, date, str]:
    """The latest rate published on or before `on` (the inverse of quote→base if only that exists)."""
    rows = ExchangeRate.objects.filter(organization_id=organization_id, on__lte=on)
    direct = rows.filter(base=base, quote=quote).order_by("-on").first()
    inverse = rows.filter(base=quote, quote=base).order_by("-on").first()
    if direct and (not inverse or direct.on >= inverse.on):
        return direct.rate, direct.on, direct.source
    if inverse:
        return Decimal(1) / inverse.rate, inverse.on, inverse.source
    raise ArrearsError(PaymentError.NO_EXCHANGE_RATE, f"no {base}→{quote} rate on or before {on.isoformat()}")


# ---------------------------------------------------------------------------------------------
# What the nightly run works on (strategies orchestrates it; the rules of money in stay here)
# ---------------------------------------------------------------------------------------------


def interest_caps(*, organization_id: int) -> dict[str, Decimal]:
    """The organization's highest annual % rate per state."""
    return dict(InterestCap.objects.filter(organization_id=organization_id).values_list("state", "max_rate"))


def accruing_account_ids(*, organization_id: int, among_ids: Sequence[int] | None = None) -> set[int]:
    """Accounts (among `among_ids` when given) that may earn interest: a rate, and a status in which
    interest accrues."""
    return account_ids_earning_interest(
        organization_id=organization_id, statuses=ACCRUING, among_ids=among_ids
    )


def open_arrangement_account_ids(*, organization_id: int) -> set[int]:
    """Accounts with a pending promise, an open plan or an open settlement."""
    ids = set(
        Promise.objects.filter(organization_id=organization_id, status=PromiseStatus.PENDING).values_list(
            "account_id", flat=True
        )
    )
    ids.update(
        PaymentPlan.objects.filter(organization_id=organization_id, status__in=OPEN_PLAN).values_list(
            "account_id", flat=True
        )
    )
    ids.update(
        Settlement.objects.filter(organization_id=organization_id, status__in=OPEN_SETTLEMENT).values_list(
            "account_id", flat=True
        )
    )
    return ids


def accounts_for_accrual(*, organization_id: int, account_ids: Sequence[int]) -> list[Account]:
    """The organization's accounts among `account_ids`, in id order, with what accruing reads."""
    return accounts_in_organization(organization_id=organization_id, account_ids=account_ids)


def settlements_pending(*, principal: Principal) -> QuerySet[Settlement]:
    """Settlements awaiting a manager's approval, oldest offer first, with what the page shows."""
    from .choices import SettlementStatus

    return (
        _scoped(Settlement, principal)
        .filter(status=SettlementStatus.PENDING_APPROVAL)
        .select_related("account", "account__client")
        .order_by("made_on", "pk")
    )


def settlement_get(*, principal: Principal, pk: int) -> Settlement:
    try:
        return _scoped(Settlement, principal).select_related("account").get(pk=pk)
    except Settlement.DoesNotExist:
        raise NotFound(SettlementError.NOT_FOUND, f"no settlement {pk}") from None


def client_terms_by_client(*, organization_id: int) -> dict[int, Any]:
    """Each client's contingency terms, by client id (clients without terms are absent)."""
    from .models import ClientTerms

    return {t.client_id: t for t in ClientTerms.objects.filter(organization_id=organization_id)}


def ach_files(*, organization_id: int) -> QuerySet[Any]:
    from .models import AchFile

    return (
        AchFile.objects.filter(organization_id=organization_id)
        .defer("content_encrypted")
        .order_by("-created_at", "-pk")
    )


def ach_file_get(*, organization_id: int, pk: int) -> Any:
    from .models import AchFile

    try:
        return AchFile.objects.get(organization_id=organization_id, pk=pk)
    except AchFile.DoesNotExist:
        raise NotFound(AchError.FILE_NOT_FOUND, f"no ACH file {pk}") from None


@dataclass(frozen=True, slots=True)
class AccountArrangements:
    """What the account page shows of money in: promises, plans with their installments, settlements and
    the latest payments, newest first. Four queries plus one for the installments."""

    promises: list[Promise]
    plans: list[PaymentPlan]
    settlements: list[Settlement]
    payments: list[Payment]


def account_arrangements(*, principal: Principal, account: Account, limit: int = 20) -> AccountArrangements:
    """The account's arrangements; the caller looked the account up through `principal`."""
    if account.organization_id != principal.organization_id:
        raise NotFound(PaymentError.NOT_FOUND, f"no account {account.pk}")
    plans = list(
        PaymentPlan.objects.filter(account=account)
        .order_by("-made_on", "-id")
        .prefetch_related(Prefetch("installments", queryset=Installment.objects.order_by("seq")))[:limit]
    )
    return AccountArrangements(
        promises=list(Promise.objects.filter(account=account).order_by("-made_on", "-id")[:limit]),
        plans=plans,
        settlements=list(Settlement.objects.filter(account=account).order_by("-made_on", "-id")[:limit]),
        payments=list(Payment.objects.filter(account=account).order_by("-received_at", "-id")[:limit]),
    )


def arrangement_states(*, account_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Each account's newest promise status and newest plan status (absent: no promise or plan), in
    two queries (strategies' segments read them)."""
    promises: dict[int, str] = {}
    for account_id, status in (
        Promise.objects.filter(account_id__in=in_array(list(account_ids)))
        .order_by("account_id", "-made_on", "-id")
        .values_list("account_id", "status")
    ):
        promises.setdefault(account_id, status)
    plans: dict[int, str] = {}
    for account_id, status in (
        PaymentPlan.objects.filter(account_id__in=in_array(list(account_ids)))
        .order_by("account_id", "-made_on", "-id")
        .values_list("account_id", "status")
    ):
        plans.setdefault(account_id, status)
    return {pk: (promises.get(pk, "none"), plans.get(pk, "none")) for pk in set(promises) | set(plans)}


def notices_owed(*, organization_id: int, on: date, remind_days: int = 2) -> dict[str, list[tuple[int, int]]]:
    """What must be sent on `on`, as (subject id, account id) per kind: Reg F 1006.22(c) notices of
    post-dated payments in their window, open plans of New York accounts whose written confirmation
    (23 NYCRR 1.5) is not past due, promises and installments due within `remind_days`, and promises
    broken in the last week. The caller sends each once."""
    from datetime import timedelta

    soon = on + timedelta(days=remind_days)
    return {
        "postdated_notice": list(
            Payment.objects.filter(
                organization_id=organization_id,
                status=PaymentStatus.SCHEDULED,
                notice_from__lte=on,
                notice_by__gte=on,
            ).values_list("pk", "account_id")
        ),
        "plan_confirmation": list(
            PaymentPlan.objects.filter(
                organization_id=organization_id,
                status__in=OPEN_PLAN,
                confirmation_due_on__gte=on,
                account__jurisdiction_state="NY",
            ).values_list("pk", "account_id")
        ),
        "promise_reminder": list(
            Promise.objects.filter(
                organization_id=organization_id,
                status=PromiseStatus.PENDING,
                due_on__gte=on,
                due_on__lte=soon,
            ).values_list("pk", "account_id")
        ),
        "installment_reminder": list(
            Installment.objects.filter(
                organization_id=organization_id,
                status=InstallmentStatus.DUE,
                plan__status__in=OPEN_PLAN,
                due_on__gte=on,
                due_on__lte=soon,
            ).values_list("pk", "plan__account_id")
        ),
        "broken_promise": list(
            Promise.objects.filter(
                organization_id=organization_id,
                status=PromiseStatus.BROKEN,
                due_on__gte=on - timedelta(days=14),
            ).values_list("pk", "account_id")
        ),
    }


def collected_by_account(*, account_ids: Sequence[int], since: date) -> dict[int, Decimal]:
    """Money posted to each account on or after `since` (net of reversed payments), in one query."""
    return {
        row["account_id"]: from_storage(row["total"])
        for row in Payment.objects.filter(
            account_id__in=list(account_ids), status=PaymentStatus.POSTED, received_on__gte=since
        )
        .values("account_id")
        .annotate(total=Sum("amount"))
    }


def promises_made_count(*, account_ids: Sequence[int], since: date) -> dict[int, int]:
    """Promises made on each account on or after `since` (an experiment's report counts them)."""
    from django.db.models import Count

    return dict(
        Promise.objects.filter(account_id__in=list(account_ids), made_on__gte=since)
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )


def payments_for_accounts(*, account_ids: Iterable[int]) -> QuerySet[Payment]:
    """The accounts' payments, newest first (the caller has scoped the accounts)."""
    return (
        Payment.objects.filter(account_id__in=list(account_ids))
        .select_related("account")
        .order_by("-received_at", "-id")
    )


def promises_for_accounts(*, account_ids: Iterable[int]) -> QuerySet[Promise]:
    """The accounts' promises, newest first (the caller has scoped the accounts)."""
    return (
        Promise.objects.filter(account_id__in=list(account_ids))
        .select_related("account")
        .order_by("-due_on", "-id")
    )


def settlements_open_for_accounts(*, account_ids: Iterable[int], on: date) -> QuerySet[Settlement]:
    """Approved lump-sum settlement offers not yet expired on ``on``, by account (the caller has scoped the
    accounts): what a debtor may accept by paying the amount."""
    return Settlement.objects.filter(
        account_id__in=list(account_ids), status="approved", kind="lump_sum", expires_on__gte=on
    ).order_by("account_id", "expires_on", "id")
