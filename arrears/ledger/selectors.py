from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet, Sum

from arrears.accounts.models import Account
from arrears.core.money import from_storage, quantize

from .domain import ALL_BUCKETS
from .models import LedgerEntry
from .services import CACHE_FIELD


def ledger_balances(*, account: Account) -> dict[str, Decimal]:
    """Balance per bucket, summed from the entries (the truth, not the cache)."""
    sums = dict.fromkeys(ALL_BUCKETS, Decimal(0))
    for row in LedgerEntry.objects.filter(account=account).values("bucket").annotate(total=Sum("amount")):
        sums[row["bucket"]] = from_storage(row["total"])
    return sums


def ledger_entries(*, account: Account) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(account=account).select_related("reverses").order_by("-posted_at", "-id")
    )


@dataclass(frozen=True, slots=True)
class CacheMismatch:
    account_id: int
    reference: str
    currency: str
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
        (r["account_id"], r["bucket"]): from_storage(r["total"])
        for r in entries.values("account_id", "bucket").annotate(total=Sum("amount"))
    }
    fields = list(CACHE_FIELD.values())
    for acc in accounts.values("id", "reference", "currency", *fields).iterator(chunk_size=5000):
        for bucket, field in CACHE_FIELD.items():
            ledger = sums.get((acc["id"], bucket), Decimal(0))
            if from_storage(acc[field]) != ledger:
                cur = acc["currency"]
                yield CacheMismatch(
                    acc["id"], acc["reference"], cur, bucket, quantize(acc[field], cur), quantize(ledger, cur)
                )


def ledger_entries_for_source(
    *, source_type: str, source_id: str, kind: str | None = None
) -> list[LedgerEntry]:
    """The entries a source wrote, e.g. ("payment", "42"): what a reversal of that source must undo."""
    qs = LedgerEntry.objects.filter(source_type=source_type, source_id=source_id)
    if kind:
        qs = qs.filter(kind=kind)
    return list(qs.order_by("id"))


def ledger_bucket_changes(*, account: Account, bucket: str, after: date) -> list[tuple[date, Decimal]]:
    """Net movement of one bucket per effective date, for dates after `after` (interest needs the
    principal's history, not only its current balance)."""
    rows = (
        LedgerEntry.objects.filter(account=account, bucket=bucket, effective_on__gt=after)
        .values("effective_on")
        .annotate(total=Sum("amount"))
        .order_by("effective_on")
    )
    return [(r["effective_on"], from_storage(r["total"])) for r in rows]


def ledger_sums_by_source(*, account_ids: Sequence[int], source_type: str) -> dict[int, dict[str, Decimal]]:
    """Per account and bucket, the sum of the entries from one kind of source (what the client's
    files have said so far, for an import)."""
    sums: dict[int, dict[str, Decimal]] = {}
    if not account_ids:
        return sums
    rows = (
        LedgerEntry.objects.filter(account_id__in=account_ids, source_type=source_type)
        .values_list("account_id", "bucket")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for account_id, bucket, total in rows:
        sums.setdefault(account_id, {})[bucket] = from_storage(total)
    return sums
