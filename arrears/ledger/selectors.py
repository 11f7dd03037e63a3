from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet, Sum

from arrears.accounts.models import Account

from .domain import ALL_BUCKETS
from .models import LedgerEntry
from .services import CACHE_FIELD


def ledger_balances(*, account: Account) -> dict[str, Decimal]:
    """Balance per bucket, summed from the entries (the truth, not the cache)."""
    sums = dict.fromkeys(ALL_BUCKETS, Decimal(0))
    for row in LedgerEntry.objects.filter(account=account).values("bucket").annotate(total=Sum("amount")):
        sums[row["bucket"]] = row["total"]
    return sums


def ledger_entries(*, account: Account) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(account=account).select_related("reverses").order_by("-posted_at", "-id")


@dataclass(frozen=True, slots=True)
class CacheMismatch:
    account_id: int
    reference: str
    bucket: str
    cached: Decimal
    ledger: Decimal


def ledger_cache_mismatches(*, organization_id: int | None = None) -> Iterator[CacheMismatch]:
    """Every account whose cached balances differ from the sum of its ledger entries."""
    entries = LedgerEntry.objects.all()
    accounts = Account.objects.all()
    if organization_id is not None:
        entries = entries.filter(organization_id=organization_id)
        accounts = accounts.filter(organization_id=organization_id)
    sums: dict[tuple[int, str], Decimal] = {
        (r["account_id"], r["bucket"]): r["total"]
        for r in entries.values("account_id", "bucket").annotate(total=Sum("amount"))
    }
    fields = list(CACHE_FIELD.values())
    for acc in accounts.values("id", "reference", *fields).iterator(chunk_size=5000):
        for bucket, field in CACHE_FIELD.items():
            ledger = sums.get((acc["id"], bucket), Decimal(0))
            if acc[field] != ledger:
                yield CacheMismatch(acc["id"], acc["reference"], bucket, acc[field], ledger)
