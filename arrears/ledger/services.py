"""Writing the ledger. The only place that creates entries or touches an account's cached balances."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from arrears.accounts.selectors import account_by_id, account_lock, accounts_lock_many
from arrears.accounts.services import (
    NewAccount,
    account_balances_move,
    accounts_columns_update_many,
    accounts_create_many,
    new_accounts_check,
)
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.core.money import quantize
from arrears.tenancy.domain import Principal

from .choices import Bucket, EntryKind
from .domain import LedgerRuleError, check_entry
from .errors import LedgerError
from .models import LedgerEntry

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import Debtor
    from arrears.tenancy.models import Client

CACHE_FIELD: dict[str, str] = {
    Bucket.PRINCIPAL: "balance_principal",
    Bucket.INTEREST: "balance_interest",
    Bucket.FEES: "balance_fees",
    Bucket.COSTS: "balance_costs",
    Bucket.CREDIT: "balance_credit",
}


@dataclass(frozen=True, slots=True)
class EntrySpec:
    kind: str
    bucket: str
    amount: Decimal
    memo: str = ""


def _write(
    *,
    account: Account,
    specs: Sequence[EntrySpec],
    effective_on: date,
    actor: Principal,
    source: tuple[str, str] = ("", ""),
    reverses: dict[int, LedgerEntry] | None = None,
) -> list[LedgerEntry]:
    """Create entries and move the cache by the same amounts, in the caller's transaction."""
    rows, deltas = _rows(
        organization_id=account.organization_id,
        account_id=account.pk,
        currency=account.currency,
        specs=specs,
        effective_on=effective_on,
        actor=actor,
        source=source,
        reverses=reverses,
    )
    _check_capacity({f: getattr(account, f) for f in deltas}, deltas)
    created = LedgerEntry.objects.bulk_create([LedgerEntry(**row) for row in rows])
    account_balances_move(account_id=account.pk, deltas=deltas)
    return created


# A balance column holds 15 digits before the point (core.models.money_field: 19 digits, 4 places).
BALANCE_LIMIT = Decimal(10) ** 15


def _check_capacity(balances: Mapping[str, Decimal], deltas: Mapping[str, Decimal]) -> None:
    """Refuse a posting that would take a balance past what its column holds: the database would refuse
    it (PostgreSQL) or store what cannot be read back (SQLite)."""
    for field, delta in deltas.items():
        if abs(balances[field] + delta) >= BALANCE_LIMIT:
            raise ArrearsError(
                LedgerError.AMOUNT_OUT_OF_RANGE,
                f"this would take the account's {field.removeprefix('balance_')} balance past 15 digits",
            )


def _rows(
    *,
    organization_id: int,
    account_id: int,
    currency: str,
    specs: Sequence[EntrySpec],
    effective_on: date,
    actor: Principal,
    source: tuple[str, str] = ("", ""),
    reverses: dict[int, LedgerEntry] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Decimal]]:
    """Checked entries as column values (every column but the id) sharing one batch id, and what
    they move per cache field."""
    now = utcnow()
    batch = uuid.uuid4()
    rows = []
    deltas: dict[str, Decimal] = {}
    for i, spec in enumerate(specs):
        amount = quantize(spec.amount, currency)
        try:
            check_entry(spec.kind, spec.bucket, amount)
        except LedgerRuleError as exc:
            raise ArrearsError(LedgerError.INVALID_ENTRY, str(exc)) from exc
        reversed_entry = (reverses or {}).get(i)
        rows.append(
            {
                "organization_id": organization_id,
                "account_id": account_id,
                "kind": spec.kind,
                "bucket": spec.bucket,
                "amount": amount,
                "currency": currency,
                "effective_on": effective_on,
                "posted_at": now,
                "actor_user_id": actor.user_id,
                "actor_label": actor.label,
                "batch": batch,
                "source_type": source[0],
                "source_id": source[1],
                "reverses_id": reversed_entry.pk if reversed_entry else None,
                "memo": spec.memo[:300],
            }
        )
        deltas[CACHE_FIELD[spec.bucket]] = deltas.get(CACHE_FIELD[spec.bucket], Decimal(0)) + amount
    return rows, deltas


@transaction.atomic
def ledger_post(
    *,
    account: Account,
    entries: Sequence[EntrySpec],
    effective_on: date,
    actor: Principal,
    source: tuple[str, str] = ("", ""),
    event: Event = Event.LEDGER_POSTED,
) -> list[LedgerEntry]:
    """Post one or more entries to an account atomically (they share a batch id) and audit them."""
    if not entries:
        raise ArrearsError(LedgerError.INVALID_ENTRY, "nothing to post")
    locked = account_lock(account_id=account.pk)
    created = _write(account=locked, specs=entries, effective_on=effective_on, actor=actor, source=source)
    audit_record(
        actor=actor,
        event=event,
        subject_type="account",
        subject_id=locked.pk,
        account_id=locked.pk,
        data={
            "entries": [
                {"id": e.pk, "kind": e.kind, "bucket": e.bucket, "amount": str(e.amount)} for e in created
            ],
            "currency": locked.currency,
            "effective_on": effective_on.isoformat(),
            "source": list(source),
        },
    )
    return created


@transaction.atomic
def ledger_reverse(
    *, entries: Sequence[LedgerEntry], actor: Principal, reason: str, effective_on: date | None = None
) -> list[LedgerEntry]:
    """Reverse entries of one account with new, opposite entries. An entry can be reversed once."""
    if not entries:
        raise ArrearsError(LedgerError.INVALID_ENTRY, "nothing to reverse")
    account_ids = {e.account_id for e in entries}
    if len(account_ids) != 1:
        raise ArrearsError(LedgerError.INVALID_ENTRY, "entries to reverse must belong to one account")
    account = account_lock(account_id=account_ids.pop())
    fresh = list(LedgerEntry.objects.filter(pk__in=[e.pk for e in entries]).order_by("id"))
    for e in fresh:
        if e.kind == EntryKind.REVERSAL:
            raise Conflict(LedgerError.REVERSAL_OF_REVERSAL, f"entry {e.pk} is itself a reversal")
        if LedgerEntry.objects.filter(reverses=e).exists():
            raise Conflict(LedgerError.ALREADY_REVERSED, f"entry {e.pk} has already been reversed")
    specs = [EntrySpec(EntryKind.REVERSAL, e.bucket, -e.amount, memo=reason) for e in fresh]
    created = _write(
        account=account,
        specs=specs,
        effective_on=effective_on or utcnow().date(),
        actor=actor,
        source=("reversal", ",".join(str(e.pk) for e in fresh)),
        reverses=dict(enumerate(fresh)),
    )
    audit_record(
        actor=actor,
        event=Event.LEDGER_REVERSED,
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={"reversed": [e.pk for e in fresh], "entries": [e.pk for e in created], "reason": reason},
    )
    return created


@dataclass(frozen=True, slots=True)
class Posting:
    """One `ledger_post` call's worth of entries, for `ledger_post_many`."""

    account_id: int
    entries: Sequence[EntrySpec]
    effective_on: date
    source: tuple[str, str] = ("", "")
    event: Event = Event.LEDGER_POSTED


@transaction.atomic(savepoint=False)
def ledger_post_many(
    *,
    postings: Sequence[Posting],
    actor: Principal,
    account_fields: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[list[int]]:
    """Post many batches, possibly to many accounts, with one insert and one cache update; returns
    the new entry ids per posting.

    Each posting is its own batch with its own audit event, exactly as `ledger_post` would write
    it; the accounts are locked in id order. For batch writers such as a file of payments.
    `account_fields` sets other columns of these accounts (a payment's last-payment fields) in the
    same UPDATE, so that each account row is rewritten once.
    """
    if not postings or any(not p.entries for p in postings):
        raise ArrearsError(LedgerError.INVALID_ENTRY, "nothing to post")
    ids = sorted({p.account_id for p in postings} | set(account_fields or ()))
    cache_fields = list(CACHE_FIELD.values())
    locked = accounts_lock_many(
        organization_id=actor.organization_id, account_ids=ids, fields=("pk", "currency", *cache_fields)
    )
    currencies = {row[0]: row[1] for row in locked}
    if len(currencies) != len(ids):
        raise ArrearsError(LedgerError.INVALID_ENTRY, "an account to post to is not in this organization")
    batches: list[list[dict[str, Any]]] = []
    moved = {pk: dict.fromkeys(cache_fields, Decimal(0)) for pk in ids}
    for p in postings:
        rows, deltas = _rows(
            organization_id=actor.organization_id,
            account_id=p.account_id,
            currency=currencies[p.account_id],
            specs=p.entries,
            effective_on=p.effective_on,
            actor=actor,
            source=p.source,
        )
        for field, delta in deltas.items():
            moved[p.account_id][field] += delta
        batches.append(rows)
    for row in locked:
        _check_capacity(dict(zip(cache_fields, row[2:], strict=True)), moved[row[0]])
    entry_ids = iter(insert_rows(LedgerEntry, [row for rows in batches for row in rows]))
    for rows in batches:
        for row in rows:
            row["id"] = next(entry_ids)
    changed = [f for f in cache_fields if any(m[f] for m in moved.values())]
    # One UPDATE moves the balances and sets the caller's columns (one per set of columns: accounts
    # the caller gives nothing for are not in the same statement).
    groups: dict[tuple[str, ...], dict[int, dict[str, Any]]] = {}
    for pk in ids:
        row = {**(account_fields or {}).get(pk, {}), **{f: moved[pk][f] for f in changed}}
        groups.setdefault(tuple(sorted(row)), {})[pk] = row
    for fields, values in groups.items():
        accounts_columns_update_many(values=values, fields=fields, add=frozenset(changed))
    audit_record_many(actor=actor, events=_posting_events(postings, batches, currencies))
    return [[row["id"] for row in rows] for rows in batches]


def _posting_events(
    postings: Sequence[Posting], batches: Sequence[Sequence[Mapping[str, Any]]], currencies: Mapping[int, str]
) -> list[AuditSpec]:
    """One audit event per posting, with the data `ledger_post` records."""
    return [
        AuditSpec(
            event=p.event,
            subject_type="account",
            subject_id=p.account_id,
            account_id=p.account_id,
            data={
                "entries": [
                    {
                        "id": e["id"],
                        "kind": str(e["kind"]),
                        "bucket": str(e["bucket"]),
                        "amount": str(e["amount"]),
                    }
                    for e in rows
                ],
                "currency": currencies[p.account_id],
                "effective_on": p.effective_on.isoformat(),
                "source": list(p.source),
            },
        )
        for p, rows in zip(postings, batches, strict=True)
    ]


OPENING_EVENT = Event.LEDGER_OPENING_BALANCE


def opening_entries(
    *, currency: str, principal: Decimal, interest: Decimal, fees: Decimal, costs: Decimal = Decimal(0)
) -> list[EntrySpec]:
    """An account's opening balances as entries (charge, interest, fee, cost; none for a zero),
    rounded to the currency."""
    return [
        EntrySpec(kind, bucket, quantize(amount, currency), memo="opening balance")
        for kind, bucket, amount in (
            (EntryKind.CHARGE, Bucket.PRINCIPAL, principal),
            (EntryKind.INTEREST, Bucket.INTEREST, interest),
            (EntryKind.FEE, Bucket.FEES, fees),
            (EntryKind.COST, Bucket.COSTS, costs),
        )
        if amount
    ]


def opening_cache(entries: Sequence[EntrySpec]) -> dict[str, Decimal]:
    """The cached balance columns an account opened with these entries holds."""
    cache = dict.fromkeys(CACHE_FIELD.values(), Decimal(0))
    for spec in entries:
        cache[CACHE_FIELD[spec.bucket]] += spec.amount
    return cache


@transaction.atomic(savepoint=False)
def opening_balances_post_many(
    *, postings: Sequence[Posting], currencies: Mapping[int, str], actor: Principal
) -> list[list[int]]:
    """Post the opening balances of accounts created in this transaction (`accounts_open_many`)
    with one insert (`COPY` on PostgreSQL) and one audit event per account, as `ledger_post` writes
    them; returns the new entry ids per posting.

    The accounts were inserted holding `opening_cache(entries)` in their cached balance columns, so
    the cache already equals the entries' sum and each account row is written once: no lock, no
    UPDATE (no other transaction can see these accounts yet)."""
    batches: list[list[dict[str, Any]]] = []
    for p in postings:
        if not p.entries:
            raise ArrearsError(LedgerError.INVALID_ENTRY, "nothing to post")
        rows, _ = _rows(
            organization_id=actor.organization_id,
            account_id=p.account_id,
            currency=currencies[p.account_id],
            specs=p.entries,
            effective_on=p.effective_on,
            actor=actor,
            source=p.source,
        )
        batches.append(rows)
    entry_ids = iter(insert_rows(LedgerEntry, [row for rows in batches for row in rows]))
    for rows in batches:
        for row in rows:
            row["id"] = next(entry_ids)
    audit_record_many(actor=actor, events=_posting_events(postings, batches, currencies))
    return [[row["id"] for row in rows] for rows in batches]


@transaction.atomic(savepoint=False)
def accounts_open_many(
    *,
    client: Client,
    accounts: Sequence[NewAccount],
    actor: Principal,
    source: tuple[str, str] | None = None,
) -> list[int]:
    """Open accounts with their debtors and opening balances; returns their ids in order.

    The accounts app writes the accounts (`accounts_create_many`: one "account.created" event
    each), already holding the cached balances of their opening entries; then the entries are
    posted with one "ledger.opening_balance" event per account with a balance. One insert per table
    (`COPY` on PostgreSQL). The entries' `source` is ("account", its id) unless given (an import
    names its job)."""
    if not accounts:
        return []
    new_accounts_check(accounts=accounts)
    today = utcnow().date()
    openings = [
        opening_entries(
            currency=a.currency, principal=a.principal, interest=a.interest, fees=a.fees, costs=a.costs
        )
        for a in accounts
    ]
    ids = accounts_create_many(
        client=client, accounts=accounts, balances=[opening_cache(e) for e in openings], actor=actor
    )
    postings = [
        Posting(
            account_id=pk,
            entries=entries,
            effective_on=a.itemization_date or today,
            source=source or ("account", str(pk)),
            event=OPENING_EVENT,
        )
        for pk, a, entries in zip(ids, accounts, openings, strict=True)
        if entries
    ]
    if postings:
        currencies = {pk: a.currency for pk, a in zip(ids, accounts, strict=True)}
        opening_balances_post_many(postings=postings, currencies=currencies, actor=actor)
    return ids


@transaction.atomic
def account_open(
    *,
    client: Client,
    reference: str,
    debtors: Sequence[Debtor],
    currency: str,
    actor: Principal,
    principal: Decimal = Decimal(0),
    interest: Decimal = Decimal(0),
    fees: Decimal = Decimal(0),
    costs: Decimal = Decimal(0),
    itemization_date: date | None = None,
    **fields: Any,
) -> Account:
    """Open an account with its debtors (the first is primary) and its opening balances on the
    ledger: `accounts_open_many` for one."""
    new = NewAccount(
        reference=reference,
        currency=currency,
        debtor_ids=[d.pk for d in debtors],
        principal=principal,
        interest=interest,
        fees=fees,
        costs=costs,
        itemization_date=itemization_date,
        fields=fields,
    )
    [pk] = accounts_open_many(client=client, accounts=[new], actor=actor)
    return account_by_id(account_id=pk)
