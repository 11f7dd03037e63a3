from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Sum

from arrears.accounts.selectors import account_balance_rows
from arrears.core.bulk import among
from arrears.core.money import from_storage, quantize

from .choices import EntryKind
from .domain import ALL_BUCKETS
from .models import LedgerEntry
from .services import CACHE_FIELD

if TYPE_CHECKING:
    from arrears.accounts.models import Account


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
    if organization_id is not None:
        entries = entries.filter(organization_id=organization_id)
    sums: dict[tuple[int, str], Decimal] = {
        (r["account_id"], r["bucket"]): from_storage(r["total"])
        for r in entries.values("account_id", "bucket").annotate(total=Sum("amount"))
    }
    fields = list(CACHE_FIELD.values())
    for acc in account_balance_rows(organization_id=organization_id, fields=fields):
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


def ledger_bucket_changes_many(
    *, account_ids: Sequence[int], bucket: str, after: Mapping[int, date]
) -> dict[int, list[tuple[date, Decimal]]]:
    """`ledger_bucket_changes` for many accounts in one query: per account, the net movement of one
    bucket per effective date after that account's own date in `after`."""
    found: dict[int, list[tuple[date, Decimal]]] = {pk: [] for pk in account_ids}
    if not account_ids:
        return found
    rows = (
        LedgerEntry.objects.filter(
            among("account_id", account_ids), bucket=bucket, effective_on__gt=min(after.values())
        )
        .values_list("account_id", "effective_on")
        .annotate(total=Sum("amount"))
        .order_by("account_id", "effective_on")
    )
    for account_id, day, total in rows:
        if day > after[account_id]:
            found[account_id].append((day, from_storage(total)))
    return found


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


def ledger_payment_movements(
    *, organization_id: int, client_id: int, start: date, end: date
) -> QuerySet[LedgerEntry, tuple[str, Decimal, str]]:
    """(bucket, amount, currency) of the payments posted to a client's accounts with an effective
    date in [start, end], and of the reversals of payments in that period."""
    return LedgerEntry.objects.filter(
        Q(kind=EntryKind.PAYMENT, source_type="payment")
        | Q(kind=EntryKind.REVERSAL, reverses__kind=EntryKind.PAYMENT, reverses__source_type="payment"),
        organization_id=organization_id,
        account__client_id=client_id,
        effective_on__range=(start, end),
    ).values_list("bucket", "amount", "currency")


def ledger_payment_reversals(
    *, organization_id: int, client_id: int, start: date, end: date
) -> QuerySet[LedgerEntry, tuple[str, date]]:
    """(payment id as the source id, effective date) of each reversal of a payment of a client's
    accounts with an effective date in [start, end]."""
    return LedgerEntry.objects.filter(
        kind=EntryKind.REVERSAL,
        reverses__kind=EntryKind.PAYMENT,
        reverses__source_type="payment",
        organization_id=organization_id,
        account__client_id=client_id,
        effective_on__range=(start, end),
    ).values_list("reverses__source_id", "effective_on")


def ledger_entry_ids(*, account_id: int) -> set[int]:
    """The ids of an account's entries."""
    return set(LedgerEntry.objects.filter(account_id=account_id).values_list("pk", flat=True))


def ledger_entries_new(*, account_id: int, before: Iterable[int]) -> list[LedgerEntry]:
    """An account's entries other than `before` (those written since its ids were read)."""
    return list(LedgerEntry.objects.filter(account_id=account_id).exclude(pk__in=before))
