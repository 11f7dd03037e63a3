"""Read models of payments, promises and plans for `reports`. Reads only payments' models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from .choices import PaymentStatus, PlanStatus, PromiseStatus
from .models import ClientTerms, Payment, PaymentPlan, Promise


def _end_of(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=UTC)


def payments_counted(
    *, organization_id: int, since: date | None, through: date, client_id: int | None = None
) -> QuerySet[Payment]:
    """Payments received in [since, through] that were posted and not reversed as of `through`:
    a payment reversed later still counts for an earlier as-of date, so a re-run gives the same figure."""
    qs = Payment.objects.filter(organization_id=organization_id, received_on__lte=through).filter(
        Q(status=PaymentStatus.POSTED) | Q(status=PaymentStatus.REVERSED, reversed_at__gte=_end_of(through))
    )
    if since:
        qs = qs.filter(received_on__gte=since)
    if client_id:
        qs = qs.filter(account__client_id=client_id)
    return qs


def collected_by_account(
    *, organization_id: int, through: date, since: date | None = None, client_id: int | None = None
) -> dict[int, Decimal]:
    qs = payments_counted(organization_id=organization_id, since=since, through=through, client_id=client_id)
    return dict(qs.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s"))


def collected_by_client(
    *, organization_id: int, through: date, since: date | None = None
) -> dict[int, Decimal]:
    qs = payments_counted(organization_id=organization_id, since=since, through=through)
    return dict(
        qs.values("account__client_id").annotate(s=Sum("amount")).values_list("account__client_id", "s")
    )


def payment_method_mix(
    *, organization_id: int, since: date, through: date, client_id: int | None = None
) -> list[dict[str, Any]]:
    qs = payments_counted(organization_id=organization_id, since=since, through=through, client_id=client_id)
    return list[Any](qs.values("method").annotate(n=Count("id"), total=Sum("amount")).order_by("-total"))


def payment_rows(
    *, organization_id: int, since: date, through: date, client_id: int | None = None, method: str = ""
) -> list[dict[str, Any]]:
    qs = payments_counted(organization_id=organization_id, since=since, through=through, client_id=client_id)
    if method:
        qs = qs.filter(method=method)
    return list[Any](
        qs.values("id", "account_id", "amount", "currency", "method", "received_on", "actor_label")[:500]
    )


def first_payment_days(
    *, organization_id: int, since: date, through: date, client_id: int | None = None
) -> list[tuple[int, date, date | None]]:
    """(account id, first payment day, placed on) of accounts whose first counted payment fell in the
    period."""
    qs = payments_counted(organization_id=organization_id, since=None, through=through, client_id=client_id)
    rows = qs.values("account_id", "account__placed_on").annotate(first=models_min("received_on"))
    return [
        (r["account_id"], r["first"], r["account__placed_on"])
        for r in rows
        if r["first"] and r["first"] >= since
    ]


def models_min(field: str):  # noqa: ANN201 - a small alias keeps the import list short
    from django.db.models import Min

    return Min(field)


# Channels on which a collector takes a promise in conversation (the portal's and the API's are not).
CONVERSATION_CHANNELS = ("call", "workbench")


def promise_counts(
    *,
    organization_id: int,
    since: date,
    through: date,
    reached_account_ids: Iterable[int],
    client_id: int | None = None,
) -> dict[str, int]:
    """Promises made in the period, those due in it by outcome (kept, broken), and `made_in_contact`:
    how many of the accounts reached in the period (`reached_account_ids`, a subquery) a collector took
    a promise on in the period (at most one per account, so it never exceeds the right-party contacts
    it is divided by)."""
    base = Promise.objects.filter(organization_id=organization_id)
    if client_id:
        base = base.filter(account__client_id=client_id)
    made_in_period = base.filter(made_on__gte=since, made_on__lte=through)
    due = base.filter(due_on__gte=since, due_on__lte=through)
    return {
        "made": made_in_period.count(),
        "kept": due.filter(status=PromiseStatus.KEPT).count(),
        "broken": due.filter(status=PromiseStatus.BROKEN).count(),
        "made_in_contact": made_in_period.filter(
            channel__in=CONVERSATION_CHANNELS, account_id__in=reached_account_ids
        )
        .values("account_id")
        .distinct()
        .count(),
    }


def promise_rows(
    *, organization_id: int, since: date, through: date, status: str = "", client_id: int | None = None
) -> list[dict[str, Any]]:
    qs = Promise.objects.filter(organization_id=organization_id, due_on__gte=since, due_on__lte=through)
    if status:
        qs = qs.filter(status=status)
    if client_id:
        qs = qs.filter(account__client_id=client_id)
    return list[Any](qs.values("id", "account_id", "amount", "due_on", "status")[:500])


def promises_by_actor(*, organization_id: int, since: date, through: date) -> dict[str, int]:
    qs = Promise.objects.filter(organization_id=organization_id, made_on__gte=since, made_on__lte=through)
    return dict(qs.values("actor_label").annotate(n=Count("id")).values_list("actor_label", "n"))


def collected_by_actor(*, organization_id: int, since: date, through: date) -> dict[str, Decimal]:
    qs = payments_counted(organization_id=organization_id, since=since, through=through)
    return dict(qs.values("actor_label").annotate(s=Sum("amount")).values_list("actor_label", "s"))


def plan_performance(*, organization_id: int, client_id: int | None = None) -> dict[str, int]:
    """Plans by status: active and completed are performing; delinquent, broken are not."""
    qs = PaymentPlan.objects.filter(organization_id=organization_id)
    if client_id:
        qs = qs.filter(account__client_id=client_id)
    counts = dict(qs.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {s.value: counts.get(s.value, 0) for s in PlanStatus}


def contingency_rates(*, organization_id: int) -> dict[int, Decimal]:
    """Each client's default contingency rate, %."""
    return dict(ClientTerms.objects.filter(organization_id=organization_id).values_list("client_id", "rate"))


def large_payments(*, organization_id: int, since: datetime, threshold: Decimal) -> list[dict[str, Any]]:
    qs = Payment.objects.filter(
        organization_id=organization_id,
        status=PaymentStatus.POSTED,
        amount__gt=threshold,
        created_at__gte=since,
    )
    return list[Any](qs.values("id", "account_id", "amount", "currency", "received_on"))


def accounts_with_payments(
    *, organization_id: int, through: date, account_ids: Iterable[int] | None = None
) -> set[int]:
    qs = payments_counted(organization_id=organization_id, since=None, through=through)
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    return set(qs.values_list("account_id", flat=True).distinct())


def collected_by_cohort(
    *, organization_id: int, through: date, client_id: int | None = None
) -> dict[str, Decimal]:
    """Σ payments counted as of `through`, per placement cohort of their account ("YYYY-MM")."""
    from django.db.models.functions import TruncMonth

    qs = payments_counted(organization_id=organization_id, since=None, through=through, client_id=client_id)
    rows = (
        qs.annotate(m=TruncMonth("account__placed_on"))
        .values("m")
        .annotate(s=Sum("amount"))
        .values_list("m", "s")
    )
    return {(m.strftime("%Y-%m") if m else "unknown"): s for m, s in rows}


def accounts_paying_count(*, organization_id: int, through: date, client_id: int | None = None) -> int:
    """Accounts with at least one payment counted as of `through`."""
    qs = payments_counted(organization_id=organization_id, since=None, through=through, client_id=client_id)
    return qs.values("account_id").distinct().count()
