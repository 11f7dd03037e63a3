"""Writing one batch of checked records: match debtors, then create or update in bulk.

Runs inside the caller's transaction. New accounts get their opening balances as ledger entries
(kind charge/interest/fee, memo "opening balance") and the same sums in their cached balance
columns, so the ledger invariant holds row for row. A re-import that changes an account updates
its fields, moves its balances with adjustment entries, and writes one audit event per account.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import F, Sum

from arrears.accounts.models import Account, AccountDebtor
from arrears.audit.services import audit_record
from arrears.core import crypto
from arrears.core.clock import utcnow
from arrears.core.money import from_storage
from arrears.debtors.domain import address_line
from arrears.debtors.models import ContactPoint, Debtor, MergeCandidate
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.models import LedgerEntry
from arrears.tenancy.domain import Principal

from .domain.matching import DebtorMatcher, DebtorRef, NewDebtor, contact_keys, identity_keys
from .domain.records import Record
from .loading import BulkWriter
from .models import AddressKey, ImportJob

ZERO = Decimal(0)
OPENING = (
    (EntryKind.CHARGE, Bucket.PRINCIPAL, "principal"),
    (EntryKind.INTEREST, Bucket.INTEREST, "interest"),
    (EntryKind.FEE, Bucket.FEES, "fees"),
)
UPDATABLE = (
    "original_creditor",
    "invoice_number",
    "debt_type",
    "interest_rate",
    "itemization_date",
    "opened_on",
    "due_on",
    "delinquent_since",
    "charged_off_on",
    "last_payment_on",
    "last_payment_amount",
    "notes",
)
BALANCE_FIELDS = {"principal": "balance_principal", "interest": "balance_interest", "fees": "balance_fees"}


def address_hash(key: str) -> int:
    """A signed 64-bit hash of a normalised address (what AddressKey stores and is searched by)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


# The columns the batch lookups search by. Column-restricted ANALYZE is cheap.
LOOKUP_COLUMNS = {
    Debtor: ("organization_id", "national_id_hash", "name_key", "date_of_birth", "merged_into_id"),
    ContactPoint: ("value", "kind"),
    AddressKey: ("key", "organization_id"),
    Account: ("client_id", "reference"),
    AccountDebtor: ("account_id",),
}


_D = Debtor._meta.db_table
SQL_DEBTORS_BY_ID_HASH = f"SELECT id, name_key, national_id_hash, organization_id, merged_into_id FROM {_D}"  # noqa: S608
SQL_DEBTORS_BY_NAME = f"SELECT id, name_key, date_of_birth, organization_id, merged_into_id FROM {_D}"  # noqa: S608
SQL_DEBTOR_NAMES = f"SELECT id, name_key, organization_id, merged_into_id FROM {_D}"  # noqa: S608
SQL_CONTACT_POINTS = f"SELECT debtor_id, kind, value, organization_id FROM {ContactPoint._meta.db_table}"  # noqa: S608
ACCOUNT_COLUMNS = ("id", "reference", "currency", *UPDATABLE, *BALANCE_FIELDS.values())
SQL_ACCOUNTS = f"SELECT {', '.join(ACCOUNT_COLUMNS)} FROM {Account._meta.db_table}"  # noqa: S608 (plain columns)
SQL_LINKS = f"SELECT id, account_id, debtor_id FROM {AccountDebtor._meta.db_table}"  # noqa: S608
SQL_ADDRESS_KEYS = f"SELECT debtor_id, key, organization_id FROM {AddressKey._meta.db_table}"  # noqa: S608


def select(
    head: str, column: str, values: Iterable[Any], *, also: str = "", params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """`head WHERE [also AND] column IN values`: one array parameter on PostgreSQL (no query text
    thousands of placeholders long), chunks under SQLite's variable limit. `also` is a fixed condition
    (with its `params`) that lets the planner use a partial or composite index."""
    values = list(values)
    if not values:
        return []
    where = f"{also} AND " if also else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{head} WHERE {where}{column} = ANY(%s)", [*params, values])
            return list(cursor.fetchall())
        rows: list[tuple[Any, ...]] = []
        for i in range(0, len(values), 900):
            part = values[i : i + 900]
            cursor.execute(
                f"{head} WHERE {where}{column} IN ({', '.join(['%s'] * len(part))})", [*params, *part]
            )
            rows.extend(cursor.fetchall())
        return rows


def commit_asynchronously() -> None:
    """This transaction's commit returns before its WAL reaches the disk (PostgreSQL
    `synchronous_commit = off`, for this transaction only). Safe for an import batch: the batch and the
    job's cursor commit together, so a database crash loses the last batches whole, never part of one,
    and running the job again writes them again. It saves a WAL flush per batch. No-op on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def refresh_statistics() -> None:
    """ANALYZE the columns the lookups search by, so PostgreSQL keeps choosing the right index while a
    big import grows the tables (autovacuum notices much later). A no-op on SQLite."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model, columns in LOOKUP_COLUMNS.items():
            cursor.execute(f'ANALYZE "{model._meta.db_table}" ({", ".join(columns)})')


def _account_values(r: Record) -> dict[str, Any]:
    return {
        "original_creditor": r.original_creditor,
        "invoice_number": r.invoice_number,
        "debt_type": r.debt_type,
        "interest_rate": r.interest_rate,
        "last_payment_amount": r.last_payment_amount,
        "notes": r.notes,
        **r.dates,
    }


def _existing_accounts(client_id: int, references: list[str]) -> dict[str, dict[str, Any]]:
    """The client's accounts with these references, by reference: the fields a re-import compares."""
    if connection.vendor == "postgresql":  # one array parameter instead of thousands of placeholders
        return {
            values[1]: dict(zip(ACCOUNT_COLUMNS, values, strict=True))
            for values in select(
                SQL_ACCOUNTS, "reference", references, also="client_id = %s", params=[client_id]
            )
        }
    # SQLite's raw cursor gives decimals as floats and dates as text: the ORM converts them.
    return {
        a["reference"]: a
        for a in Account.objects.filter(client_id=client_id, reference__in=references).values(
            *ACCOUNT_COLUMNS
        )
    }


def _client_figures(account_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """Per account and bucket, what the client's files have said so far: the sum of import entries."""
    figures: dict[int, dict[str, Decimal]] = {}
    if not account_ids:
        return figures
    rows = (
        LedgerEntry.objects.filter(account_id__in=account_ids, source_type="import")
        .values_list("account_id", "bucket")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for account_id, bucket, total in rows:
        figures.setdefault(account_id, {})[bucket] = from_storage(total)
    return figures


def batch_write(
    *, job: ImportJob, records: list[Record], actor: Principal, id_hash: Callable[[str], str]
) -> dict[str, int]:
    org_id = job.organization_id
    now = utcnow()
    today = now.date()
    writer = BulkWriter(now=now)
    source = f"import:{job.pk}"

    # 1. What the database already knows about the people and accounts in this batch.
    hashes = {r.row: id_hash(r.national_id) for r in records if r.national_id}
    addr = {r.row: address_hash(r.address.key) for r in records if r.address}
    names_with_dob = {r.name_key for r in records if r.date_of_birth}
    values = {p for r in records for p, _ in r.phones} | {r.email for r in records if r.email}
    matcher = DebtorMatcher()
    have_contact: set[tuple[int, str, str]] = set()  # (debtor, kind, value) already stored
    have_address: set[tuple[int, int]] = set()

    # Plain index lookups, no joins: their plans stay good while the tables grow during a big import.
    # Each lookup searches by one indexed column alone, so that index is the only one worth using even
    # while the row counts the planner knows are stale; the organization and merges are checked here.
    def live(rows):
        return [row[:-2] for row in rows if row[-2] == org_id and row[-1] is None]

    for debtor_id, name_key, id_h in live(
        select(
            SQL_DEBTORS_BY_ID_HASH, "national_id_hash", set(hashes.values()), also="national_id_hash <> ''"
        )
    ):
        matcher.know(debtor_id, name_key=name_key, identity=[f"id:{id_h}"], contacts=())
    for debtor_id, name_key, dob in live(
        select(SQL_DEBTORS_BY_NAME, "name_key", names_with_dob, also="organization_id = %s", params=[org_id])
    ):
        if dob is not None:
            day = dob if isinstance(dob, str) else dob.isoformat()  # SQLite's raw cursor gives text
            matcher.know(debtor_id, name_key=name_key, identity=[f"nd:{name_key}|{day}"], contacts=())
    points = [
        (debtor_id, kind, value)
        for debtor_id, kind, value, org in select(SQL_CONTACT_POINTS, "value", values)
        if org == org_id and kind in ("phone", "email")
    ]
    keyed = [
        (debtor_id, key)
        for debtor_id, key, org in select(SQL_ADDRESS_KEYS, "key", set(addr.values()))
        if org == org_id
    ]
    found_ids = {d for d, *_ in points} | {d for d, _ in keyed}
    names = dict(live(select(SQL_DEBTOR_NAMES, "id", found_ids)))
    for debtor_id, kind, value in points:
        have_contact.add((debtor_id, kind, value))
        if debtor_id in names:
            name_key = names[debtor_id]
            prefix = ("np", "p") if kind == "phone" else ("ne", "e")
            matcher.know(
                debtor_id,
                name_key=name_key,
                identity=[f"{prefix[0]}:{name_key}|{value}"],
                contacts=[f"{prefix[1]}:{value}"],
            )
    for debtor_id, key in keyed:
        have_address.add((debtor_id, key))
        if debtor_id in names:
            name_key = names[debtor_id]
            matcher.know(
                debtor_id, name_key=name_key, identity=[f"na:{name_key}|{key}"], contacts=[f"a:{key}"]
            )
    existing = _existing_accounts(job.client_id, [r.account_ref for r in records])
    links: dict[int, list[int]] = {}
    for _, account_id, debtor_id in sorted(
        select(SQL_LINKS, "account_id", [a["id"] for a in existing.values()])
    ):
        links.setdefault(account_id, []).append(debtor_id)

    # 2. Decide, row by row in file order, who each debtor is and what is new.
    counts = dict.fromkeys(
        (
            "accounts_created",
            "accounts_updated",
            "debtors_created",
            "debtors_matched",
            "contact_points_created",
            "merge_candidates",
        ),
        0,
    )
    new_debtors: dict[NewDebtor, Record] = {}
    debtor_of: list[DebtorRef] = []
    contacts: list[tuple[DebtorRef, str, str, str, Record]] = []  # debtor, kind, value, label, record
    candidates: list[tuple[DebtorRef, DebtorRef, float]] = []
    for r in records:
        phones = [p for p, _ in r.phones]
        emails = [r.email] if r.email else []
        akeys = [str(addr[r.row])] if r.row in addr else []
        account = existing.get(r.account_ref)
        fallback = links[account["id"]][0] if account and links.get(account["id"]) else None
        match = matcher.match(
            name_key=r.name_key,
            identity=identity_keys(
                name_key=r.name_key,
                date_of_birth=r.date_of_birth,
                national_id_hash=hashes.get(r.row, ""),
                phones=phones,
                emails=emails,
                address_keys=akeys,
            ),
            contacts=contact_keys(phones=phones, emails=emails, address_keys=akeys),
            fallback=fallback,
        )
        debtor = match.debtor
        debtor_of.append(debtor)
        if match.created:
            assert isinstance(debtor, NewDebtor)
            new_debtors[debtor] = r
            counts["debtors_created"] += 1
        else:
            counts["debtors_matched"] += 1
        candidates.extend((debtor, other, score) for other, score in match.candidates)
        for value, label in r.phones:
            contacts.append((debtor, "phone", value, label, r))
        if r.email:
            contacts.append((debtor, "email", r.email, "personal", r))
        if r.address:
            contacts.append((debtor, "address", str(addr[r.row]), "home", r))

    # 3. Ids for new rows, so that children can point at parents in the same batch.
    debtor_ids = dict(zip(new_debtors, writer.allocate(Debtor, len(new_debtors)), strict=True))

    def real(ref: DebtorRef) -> int:
        return ref if isinstance(ref, int) else debtor_ids[ref]

    debtor_rows = []
    for new_ref, r in new_debtors.items():
        row: dict[str, Any] = {
            "id": debtor_ids[new_ref],
            "organization_id": org_id,
            "kind": r.kind,
            "ref": r.debtor_ref,
            "first_name": r.first_name,
            "middle_name": r.middle_name,
            "last_name": r.last_name,
            "company_name": r.company_name,
            "name_key": r.name_key,
            "date_of_birth": r.date_of_birth,
        }
        if r.national_id:
            row["national_id_encrypted"] = crypto.encrypt(r.national_id)
            row["national_id_hash"] = hashes[r.row]
            row["national_id_last4"] = r.national_id[-4:]
        debtor_rows.append(row)
    writer.insert(Debtor, debtor_rows)

    point_rows: list[dict[str, Any]] = []
    address_rows: list[dict[str, Any]] = []
    primary_taken: set[tuple[int, str]] = set()
    for ref, kind, value, label, r in contacts:
        debtor_id = real(ref)
        if kind == "address":
            key = int(value)
            if (debtor_id, key) in have_address:
                continue
            have_address.add((debtor_id, key))
            line1, line2, city, state, postal, country = r.address  # type: ignore[misc]
            value = address_line(
                line1=line1, line2=line2, city=city, state=state, postal_code=postal, country=country
            )[:320]
            point = {
                "line1": line1,
                "line2": line2,
                "city": city,
                "state": state.upper(),
                "postal_code": postal,
                "country": country,
            }
        else:
            key = 0
            point = {}
        if (debtor_id, kind, value) in have_contact:
            continue
        have_contact.add((debtor_id, kind, value))
        primary = isinstance(ref, NewDebtor) and (debtor_id, kind) not in primary_taken
        primary_taken.add((debtor_id, kind))
        point_rows.append(
            {
                "organization_id": org_id,
                "debtor_id": debtor_id,
                "kind": kind,
                "label": label,
                "value": value,
                "is_primary": primary,
                "source": source,
                **point,
            }
        )
        if kind == "address":
            address_rows.append({"organization_id": org_id, "debtor_id": debtor_id, "key": key})
    for point, pk in zip(point_rows, writer.allocate(ContactPoint, len(point_rows)), strict=True):
        point["id"] = pk
    address_points = [p for p in point_rows if p["kind"] == "address"]
    for key_row, point in zip(address_rows, address_points, strict=True):
        key_row["contact_point_id"] = point["id"]
    writer.insert(ContactPoint, point_rows)
    writer.insert(AddressKey, address_rows)
    counts["contact_points_created"] = len(point_rows)

    # 4. Accounts: new ones in bulk with their opening ledger entries; changed ones one by one.
    fresh = [
        (r, real(ref)) for r, ref in zip(records, debtor_of, strict=True) if r.account_ref not in existing
    ]
    account_ids = writer.allocate(Account, len(fresh))
    account_rows, link_rows, entry_rows = [], [], []
    for (r, debtor_id), account_id in zip(fresh, account_ids, strict=True):
        account_rows.append(
            {
                "id": account_id,
                "organization_id": org_id,
                "client_id": job.client_id,
                "reference": r.account_ref,
                "currency": r.currency,
                "jurisdiction_country": r.country,
                "jurisdiction_state": r.state[:3],
                "placed_on": today,
                "balance_principal": r.principal,
                "balance_interest": r.interest,
                "balance_fees": r.fees,
                **_account_values(r),
            }
        )
        link_rows.append(
            {"organization_id": org_id, "account_id": account_id, "debtor_id": debtor_id, "role": "primary"}
        )
        batch_id = uuid.uuid4()
        effective = r.dates["itemization_date"] or today
        for kind, bucket, name in OPENING:
            amount = getattr(r, name)
            if amount:
                entry_rows.append(
                    {
                        "organization_id": org_id,
                        "account_id": account_id,
                        "kind": kind,
                        "bucket": bucket,
                        "amount": amount,
                        "currency": r.currency,
                        "effective_on": effective,
                        "posted_at": now,
                        "actor_user_id": actor.user_id,
                        "actor_label": actor.label,
                        "batch": batch_id,
                        "source_type": "import",
                        "source_id": str(job.pk),
                        "memo": "opening balance",
                    }
                )
    writer.insert(Account, account_rows)
    counts["accounts_created"] = len(account_rows)

    told = _client_figures([a["id"] for a in existing.values()])
    seen_links: set[tuple[int, int]] = set()
    for r, ref in zip(records, debtor_of, strict=True):
        account = existing.get(r.account_ref)
        if account is None:
            continue
        debtor_id = real(ref)
        linked = links.get(account["id"], [])
        if debtor_id not in linked and (account["id"], debtor_id) not in seen_links:
            seen_links.add((account["id"], debtor_id))
            link_rows.append(
                {
                    "organization_id": org_id,
                    "account_id": account["id"],
                    "debtor_id": debtor_id,
                    "role": "co_debtor" if linked else "primary",
                }
            )
        if _account_update(
            account=account, client_figures=told, record=r, job=job, actor=actor, now=now, today=today
        ):
            counts["accounts_updated"] += 1
    writer.insert(AccountDebtor, link_rows)
    writer.insert(LedgerEntry, entry_rows)

    # 5. Look-alikes for a person to review.
    candidate_rows = []
    pairs: set[tuple[int, int]] = set()
    for ref, other, score in candidates:
        a, b = sorted((real(ref), real(other)))
        if (a, b) not in pairs:
            pairs.add((a, b))
            candidate_rows.append(
                {
                    "organization_id": org_id,
                    "debtor_a_id": a,
                    "debtor_b_id": b,
                    "score": score,
                    "reason": "similar name, shared contact",
                    "job_id": job.pk,
                }
            )
    if candidate_rows:
        taken = set(
            MergeCandidate.objects.filter(
                debtor_a_id__in=[c["debtor_a_id"] for c in candidate_rows]
            ).values_list("debtor_a_id", "debtor_b_id")
        )
        candidate_rows = [c for c in candidate_rows if (c["debtor_a_id"], c["debtor_b_id"]) not in taken]
        writer.insert(MergeCandidate, candidate_rows)
    counts["merge_candidates"] = len(candidate_rows)
    return counts


def _account_update(
    *,
    account: dict[str, Any],
    client_figures: dict[int, dict[str, Decimal]],
    record: Record,
    job: ImportJob,
    actor: Principal,
    now: Any,
    today: Any,
) -> bool:
    """Apply a re-import's changes to one account: fields, and balances through adjustment entries.

    A balance moves by what changed in the client's figures, not to the file's figure: the baseline is
    what the client's files said before (the sum of this account's import entries: opening balances and
    earlier import adjustments), so payments, interest and fees recorded here since are kept. An account
    no import has touched yet takes its current balances as the baseline."""
    values = _account_values(record)
    changed = {k: v for k, v in values.items() if account[k] != v}
    told = client_figures.get(account["id"])
    deltas = {}
    for name, bucket in (
        ("principal", Bucket.PRINCIPAL),
        ("interest", Bucket.INTEREST),
        ("fees", Bucket.FEES),
    ):
        before = account[BALANCE_FIELDS[name]] if told is None else told.get(bucket, ZERO)
        if getattr(record, name) != before:
            deltas[bucket] = getattr(record, name) - before
    if not changed and not deltas:
        return False
    if record.currency != account["currency"] and deltas:
        deltas = {}  # an amount in another currency is not this account's balance; fields still update
        if not changed:
            return False
    cache = {f"balance_{b}": F(f"balance_{b}") + d for b, d in deltas.items()}
    Account.objects.filter(pk=account["id"]).update(**changed, **cache, updated_at=now)
    batch_id = uuid.uuid4()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            organization_id=job.organization_id,
            account_id=account["id"],
            kind=EntryKind.ADJUSTMENT,
            bucket=bucket,
            amount=delta,
            currency=account["currency"],
            effective_on=today,
            posted_at=now,
            actor_user_id=actor.user_id,
            actor_label=actor.label,
            batch=batch_id,
            source_type="import",
            source_id=str(job.pk),
            memo="import adjustment",
        )
        for bucket, delta in deltas.items()
    )
    audit_record(
        actor=actor,
        event="account.updated_by_import",
        subject_type="account",
        subject_id=account["id"],
        account_id=account["id"],
        data={
            "job": job.pk,
            "fields": {k: [account[k], v] for k, v in changed.items()},
            "balances": {b: str(d) for b, d in deltas.items()},
        },
    )
    return True
