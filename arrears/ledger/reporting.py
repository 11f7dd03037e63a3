"""Read models of the ledger for `reports` (placements, charges by month). Reads only ledger's models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth

from .choices import EntryKind
from .models import LedgerEntry


def charges_by_account(
    *, organization_id: int, through: date, account_ids: Iterable[int] | None = None
) -> dict[int, Decimal]:
    """Σ charge entries (the amount placed) per account, effective on or before `through`."""
    qs = LedgerEntry.objects.filter(
        organization_id=organization_id, kind=EntryKind.CHARGE, effective_on__lte=through
    )
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    return {a: s for a, s in qs.values("account_id").annotate(s=Sum("amount")).values_list("account_id", "s")}


def charges_by_client(*, organization_id: int, through: date) -> dict[int, Decimal]:
    """Σ charge entries per client, effective on or before `through` (one aggregate query)."""
    qs = LedgerEntry.objects.filter(
        organization_id=organization_id, kind=EntryKind.CHARGE, effective_on__lte=through
    )
    return dict(
        qs.values("account__client_id").annotate(s=Sum("amount")).values_list("account__client_id", "s")
    )


def charges_by_month(
    *, organization_id: int, since: date, through: date, client_id: int | None = None
) -> dict[date, Decimal]:
    """Σ charge entries (new placements: the "sales" of DSO and CEI) per calendar month."""
    qs = LedgerEntry.objects.filter(
        organization_id=organization_id,
        kind=EntryKind.CHARGE,
        effective_on__gte=since,
        effective_on__lte=through,
    )
    if client_id:
        qs = qs.filter(account__client_id=client_id)
    rows = (
        qs.annotate(m=TruncMonth("effective_on")).values("m").annotate(s=Sum("amount")).values_list("m", "s")
    )
    return {(m.date() if hasattr(m, "date") else m): s for m, s in rows}


def charges_by_cohort(
    *, organization_id: int, through: date, client_id: int | None = None
) -> dict[str, Decimal]:
    """Σ charge entries per placement cohort (the month the account was placed, "YYYY-MM")."""
    qs = LedgerEntry.objects.filter(
        organization_id=organization_id, kind=EntryKind.CHARGE, effective_on__lte=through
    )
    if client_id:
        qs = qs.filter(account__client_id=client_id)
    rows = (
        qs.annotate(m=TruncMonth("account__placed_on"))
        .values("m")
        .annotate(s=Sum("amount"))
        .values_list("m", "s")
    )
    return {(m.strftime("%Y-%m") if m else "unknown"): s for m, s in rows}


def accounts_by_cohort(
    *, organization_id: int, through: date, client_id: int | None = None
) -> dict[str, int]:
    """Accounts with a charge on or before `through`, per placement cohort."""
    from django.db.models import Count

    qs = LedgerEntry.objects.filter(
        organization_id=organization_id, kind=EntryKind.CHARGE, effective_on__lte=through
    )
    if client_id:
        qs = qs.filter(account__client_id=client_id)
    rows = (
        qs.annotate(m=TruncMonth("account__placed_on"))
        .values("m")
        .annotate(n=Count("account_id", distinct=True))
        .values_list("m", "n")
    )
    return {(m.strftime("%Y-%m") if m else "unknown"): n for m, n in rows}
