"""Read models of accounts for `reports` (snapshots, KPIs, Metro 2). Reads only this app's models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import Case, CharField, F, Q, QuerySet, Value, When

from .choices import AgingBucket
from .domain import aging_delinquent_range
from .models import Account


def aging_bucket_case(as_of: date) -> Case:
    """The aging bucket of `delinquent_since` on `as_of` as one SQL CASE (accounts.domain's edges)."""
    whens = []
    for bucket in AgingBucket:
        low, high = aging_delinquent_range(bucket, as_of)
        if bucket == AgingBucket.CURRENT:
            whens.append(
                When(
                    Q(delinquent_since__isnull=True) | Q(delinquent_since__gte=low), then=Value(bucket.value)
                )
            )
            continue
        cond = Q()
        if low:
            cond &= Q(delinquent_since__gte=low)
        if high:
            cond &= Q(delinquent_since__lte=high)
        whens.append(When(cond, then=Value(bucket.value)))
    return Case(*whens, default=Value(AgingBucket.D365_PLUS.value), output_field=CharField())


SNAPSHOT_COLUMNS = (
    "id",
    "client_id",
    "collector_id",
    "status",
    "bucket",
    "delinquent_since",
    "placed_on",
    "balance_principal",
    "balance_interest",
    "balance_fees",
    "balance_costs",
)


def account_snapshot_source(*, organization_id: int, as_of: date) -> QuerySet[Account, dict[str, Any]]:
    """One row per account of the organization with SNAPSHOT_COLUMNS, the aging bucket on `as_of`
    computed in SQL; `reports` wraps its SQL in a set-based INSERT … SELECT."""
    return (
        Account.objects.filter(organization_id=organization_id)
        .annotate(bucket=aging_bucket_case(as_of), collector_id=F("assigned_user_id"))
        .values(*SNAPSHOT_COLUMNS)
    )


def account_rows(*, organization_id: int, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Reference, client, status and dates of the given accounts, by id."""
    return {
        r["id"]: dict(r)
        for r in Account.objects.filter(organization_id=organization_id, id__in=list(ids)).values(
            "id",
            "reference",
            "client_id",
            "client__name",
            "client__code",
            "status",
            "currency",
            "delinquent_since",
            "placed_on",
            "balance_principal",
            "balance_interest",
            "balance_fees",
            "balance_costs",
        )
    }


def accounts_for_furnishing(*, organization_id: int) -> QuerySet[Account]:
    """Consumer accounts of the organization with what Metro 2 needs, in a stable order."""
    return (
        Account.objects.filter(organization_id=organization_id, debt_type="consumer")
        .select_related("client")
        .order_by("id")
    )


def account_ids_with_status(*, organization_id: int, statuses: Iterable[str]) -> set[int]:
    return set(
        Account.objects.filter(organization_id=organization_id, status__in=list(statuses)).values_list(
            "id", flat=True
        )
    )
