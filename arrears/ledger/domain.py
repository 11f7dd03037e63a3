"""Ledger rules: signs, balances and the allocation waterfall. Pure: no ORM, no clock."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .choices import Bucket, EntryKind

OWED_BUCKETS: tuple[str, ...] = (Bucket.PRINCIPAL, Bucket.INTEREST, Bucket.FEES, Bucket.COSTS)
ALL_BUCKETS: tuple[str, ...] = (*OWED_BUCKETS, Bucket.CREDIT)

ALLOCATION_ORDERS: dict[str, tuple[str, ...]] = {
    "fees_first": (Bucket.FEES, Bucket.COSTS, Bucket.INTEREST, Bucket.PRINCIPAL),
    "principal_first": (Bucket.PRINCIPAL, Bucket.INTEREST, Bucket.FEES, Bucket.COSTS),
}

# The bucket each accruing kind lands in.
KIND_BUCKET: dict[str, str] = {
    EntryKind.CHARGE: Bucket.PRINCIPAL,
    EntryKind.INTEREST: Bucket.INTEREST,
    EntryKind.FEE: Bucket.FEES,
    EntryKind.COST: Bucket.COSTS,
}

ZERO = Decimal(0)


class LedgerRuleError(ValueError):
    pass


def check_entry(kind: str, bucket: str, amount: Decimal) -> None:
    """The sign convention: `amount` is the entry's effect on its bucket's balance."""
    if amount == 0:
        raise LedgerRuleError("a ledger entry cannot be zero")
    if bucket not in ALL_BUCKETS:
        raise LedgerRuleError(f"unknown bucket {bucket!r}")
    if kind in KIND_BUCKET:
        if bucket != KIND_BUCKET[kind]:
            raise LedgerRuleError(f"a {kind} entry belongs in the {KIND_BUCKET[kind]} bucket, not {bucket}")
        if amount < 0:
            raise LedgerRuleError(f"a {kind} increases what is owed: the amount must be positive")
    elif kind == EntryKind.PAYMENT:
        if bucket == Bucket.CREDIT and amount < 0:
            raise LedgerRuleError("a payment can only add to the credit balance")
        if bucket != Bucket.CREDIT and amount > 0:
            raise LedgerRuleError("a payment reduces what is owed: the amount must be negative")
    elif kind == EntryKind.WRITE_OFF:
        if amount > 0 or bucket == Bucket.CREDIT:
            raise LedgerRuleError("a write-off reduces an owed bucket: the amount must be negative")
    elif kind not in (EntryKind.ADJUSTMENT, EntryKind.REVERSAL):
        raise LedgerRuleError(f"unknown entry kind {kind!r}")


@dataclass(frozen=True, slots=True)
class Posting:
    bucket: str
    amount: Decimal


def balances(postings: Iterable[Posting]) -> dict[str, Decimal]:
    """Balance per bucket: the sum of its entries. This is the definition every cache must equal."""
    result = dict.fromkeys(ALL_BUCKETS, ZERO)
    for p in postings:
        result[p.bucket] += p.amount
    return result


@dataclass(frozen=True, slots=True)
class Allocation:
    """How a payment splits: a positive amount applied per owed bucket, and what is left over."""

    applied: dict[str, Decimal] = field(default_factory=dict)
    unapplied: Decimal = ZERO

    @property
    def total_applied(self) -> Decimal:
        return sum(self.applied.values(), ZERO)


def allocate(amount: Decimal, *, balances: Mapping[str, Decimal], order: Sequence[str]) -> Allocation:
    """Split `amount` over the owed buckets in `order`, never more than a bucket holds.

    Buckets not named in `order` come after it, in the standard order. What is left once every
    bucket is paid off is returned as `unapplied` (it becomes a credit balance, not a negative bucket).
    """
    if amount < 0:
        raise LedgerRuleError("cannot allocate a negative amount")
    unknown = set(order) - set(OWED_BUCKETS)
    if unknown:
        raise LedgerRuleError(f"not owed buckets: {sorted(unknown)}")
    full_order = [*order, *(b for b in OWED_BUCKETS if b not in order)]
    remaining = amount
    applied: dict[str, Decimal] = {}
    for bucket in full_order:
        if remaining <= 0:
            break
        owed = max(balances.get(bucket, ZERO), ZERO)
        take = min(owed, remaining)
        if take > 0:
            applied[bucket] = take
            remaining -= take
    return Allocation(applied=applied, unapplied=remaining)
