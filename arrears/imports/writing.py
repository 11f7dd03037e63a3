"""Writing one batch of checked records: match debtors, then create or update them in bulk through
the services of the apps that own them.

Runs inside the caller's transaction. Debtors, contact points, accounts and their opening balances
are written by `debtors_create_many`, `contact_points_add_many` and the ledger's `accounts_open_many`
(`accounts_create_many`, then `opening_balances_post_many`), with the same rows and audit events as
when they are created by hand;
the opening entries name the job as their source. A re-import that changes an account updates its
fields (`accounts_update_many`, one audit event per account) and moves its balances with adjustment
entries (`ledger_post_many`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Model

from arrears.accounts.selectors import LOOKUP_COLUMNS as ACCOUNT_LOOKUP_COLUMNS
from arrears.accounts.selectors import account_debtor_rows, accounts_by_reference
from arrears.accounts.services import (
    AccountChange,
    DebtorLink,
    NewAccount,
    account_debtors_add_many,
    accounts_update_many,
)
from arrears.audit.events import Event
from arrears.core.bulk import analyze, select_in
from arrears.core.clock import utcnow
from arrears.debtors.domain import address_line
from arrears.debtors.selectors import (
    MATCHING_COLUMNS,
    contact_point_rows_by_value,
    debtor_rows_by_id,
    debtor_rows_by_name_key,
    debtor_rows_by_national_id_hash,
)
from arrears.debtors.services import (
    ContactPointSpec,
    DebtorSpec,
    MergeCandidateSpec,
    contact_points_add_many,
    debtors_create_many,
    merge_candidates_add_many,
)
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.selectors import ledger_sums_by_source
from arrears.ledger.services import EntrySpec, Posting, accounts_open_many, ledger_post_many
from arrears.tenancy.domain import Principal

from .domain.matching import DebtorMatcher, DebtorRef, NewDebtor, contact_keys, identity_keys
from .domain.records import Record
from .loading import BulkWriter
from .models import AddressKey, ImportJob

ZERO = Decimal(0)
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
ACCOUNT_COLUMNS = ("id", "currency", *UPDATABLE, *BALANCE_FIELDS.values())


def address_hash(key: str) -> int:
    """A signed 64-bit hash of a normalised address (what AddressKey stores and is searched by)."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


# The columns the batch lookups search by. Column-restricted ANALYZE is cheap.
LOOKUP_COLUMNS: dict[type[Model], tuple[str, ...]] = {
    **MATCHING_COLUMNS,
    **ACCOUNT_LOOKUP_COLUMNS,
    AddressKey: ("key", "organization_id"),
}
SQL_ADDRESS_KEYS = f"SELECT debtor_id, key, organization_id FROM {AddressKey._meta.db_table}"  # noqa: S608


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
    analyze(LOOKUP_COLUMNS)


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

    for debtor_id, name_key, id_h in live(debtor_rows_by_national_id_hash(hashes=set(hashes.values()))):
        matcher.know(debtor_id, name_key=name_key, identity=[f"id:{id_h}"], contacts=())
    for debtor_id, name_key, dob in live(
        debtor_rows_by_name_key(organization_id=org_id, name_keys=names_with_dob)
    ):
        if dob is not None:
            day = dob if isinstance(dob, str) else dob.isoformat()  # SQLite's raw cursor gives text
            matcher.know(debtor_id, name_key=name_key, identity=[f"nd:{name_key}|{day}"], contacts=())
    points = [
        (debtor_id, kind, value)
        for debtor_id, kind, value, org in contact_point_rows_by_value(values=values)
        if org == org_id and kind in ("phone", "email")
    ]
    keyed = [
        (debtor_id, key)
        for debtor_id, key, org in select_in(SQL_ADDRESS_KEYS, "key", set(addr.values()))
        if org == org_id
    ]
    found_ids = {d for d, *_ in points} | {d for d, _ in keyed}
    names = dict(live(debtor_rows_by_id(ids=found_ids)))
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
    existing = accounts_by_reference(
        client_id=job.client_id, references=[r.account_ref for r in records], columns=ACCOUNT_COLUMNS
    )
    links: dict[int, list[int]] = {}
    for _, account_id, debtor_id in sorted(
        account_debtor_rows(account_ids=[a["id"] for a in existing.values()])
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

    # 3. New debtors, then their contact points, through the debtors app's batch services.
    new_ids = debtors_create_many(
        organization_id=org_id,
        actor=actor,
        debtors=[
            DebtorSpec(
                name_key=r.name_key,
                kind=r.kind,
                first_name=r.first_name,
                middle_name=r.middle_name,
                last_name=r.last_name,
                company_name=r.company_name,
                date_of_birth=r.date_of_birth,
                national_id=r.national_id,
                ref=r.debtor_ref,
            )
            for r in new_debtors.values()
        ],
    )
    debtor_ids = dict(zip(new_debtors, new_ids, strict=True))

    def real(ref: DebtorRef) -> int:
        return ref if isinstance(ref, int) else debtor_ids[ref]

    new_points: list[ContactPointSpec] = []
    address_keys: list[tuple[int, int]] = []  # (debtor, key) of each address point, in order
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
            parts = {
                "line1": line1,
                "line2": line2,
                "city": city,
                "state": state,
                "postal_code": postal,
                "country": country,
            }
        else:
            key = 0
            parts = {}
        if (debtor_id, kind, value) in have_contact:
            continue
        have_contact.add((debtor_id, kind, value))
        primary = isinstance(ref, NewDebtor) and (debtor_id, kind) not in primary_taken
        primary_taken.add((debtor_id, kind))
        new_points.append(
            ContactPointSpec(
                debtor_id=debtor_id,
                kind=kind,
                value=value,
                label=label,
                source=source,
                is_primary=primary,
                **parts,
            )
        )
        if kind == "address":
            address_keys.append((debtor_id, key))
    point_ids = contact_points_add_many(organization_id=org_id, actor=actor, points=new_points, locate=False)
    address_ids = [pk for pk, p in zip(point_ids, new_points, strict=True) if p.kind == "address"]
    writer.insert(
        AddressKey,
        [
            {"organization_id": org_id, "debtor_id": debtor_id, "key": key, "contact_point_id": pk}
            for (debtor_id, key), pk in zip(address_keys, address_ids, strict=True)
        ],
    )
    counts["contact_points_created"] = len(new_points)

    # 4. New accounts with their debtor and opening balances, through the accounts app's batch service;
    # changed ones through the accounts and ledger services.
    fresh = [
        NewAccount(
            reference=r.account_ref,
            currency=r.currency,
            debtor_ids=(real(ref),),
            principal=r.principal,
            interest=r.interest,
            fees=r.fees,
            itemization_date=r.dates["itemization_date"],
            fields={
                "jurisdiction_country": r.country,
                "jurisdiction_state": r.state[:3],
                "placed_on": today,
                **_account_values(r),
            },
        )
        for r, ref in zip(records, debtor_of, strict=True)
        if r.account_ref not in existing
    ]
    accounts_open_many(client=job.client, accounts=fresh, actor=actor, source=("import", str(job.pk)))
    counts["accounts_created"] = len(fresh)

    told = ledger_sums_by_source(account_ids=[a["id"] for a in existing.values()], source_type="import")
    new_links: list[DebtorLink] = []
    changes: list[AccountChange] = []
    postings: list[Posting] = []
    for r, ref in zip(records, debtor_of, strict=True):
        account = existing.get(r.account_ref)
        if account is None:
            continue
        debtor_id = real(ref)
        linked = links.get(account["id"], [])
        if debtor_id not in linked and all(
            (k.account_id, k.debtor_id) != (account["id"], debtor_id) for k in new_links
        ):
            new_links.append(DebtorLink(account["id"], debtor_id, "co_debtor" if linked else "primary"))
        if _account_update(
            account=account,
            client_figures=told,
            record=r,
            job=job,
            today=today,
            changes=changes,
            postings=postings,
        ):
            counts["accounts_updated"] += 1
    account_debtors_add_many(organization_id=org_id, links=new_links, actor=actor)
    accounts_update_many(changes=changes, actor=actor)
    if postings:
        ledger_post_many(postings=postings, actor=actor)

    # 5. Look-alikes for a person to review.
    look_alikes = []
    pairs: set[tuple[int, int]] = set()
    for ref, other, score in candidates:
        a, b = sorted((real(ref), real(other)))
        if (a, b) not in pairs:
            pairs.add((a, b))
            look_alikes.append(
                MergeCandidateSpec(
                    debtor_a_id=a,
                    debtor_b_id=b,
                    score=score,
                    reason="similar name, shared contact",
                    job_id=job.pk,
                )
            )
    counts["merge_candidates"] = merge_candidates_add_many(
        organization_id=org_id, candidates=look_alikes, now=now
    )
    return counts


def _account_update(
    *,
    account: dict[str, Any],
    client_figures: dict[int, dict[str, Decimal]],
    record: Record,
    job: ImportJob,
    today: Any,
    changes: list[AccountChange],
    postings: list[Posting],
) -> bool:
    """A re-import's changes to one account, added to `changes` (its fields, with the audit event)
    and `postings` (adjustment entries). Returns whether the account changes.

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
    changes.append(
        AccountChange(
            account_id=account["id"],
            fields=changed,
            event=Event.ACCOUNT_UPDATED_BY_IMPORT,
            data={
                "job": job.pk,
                "fields": {k: [account[k], v] for k, v in changed.items()},
                "balances": {b: str(d) for b, d in deltas.items()},
            },
        )
    )
    if deltas:
        postings.append(
            Posting(
                account_id=account["id"],
                entries=[
                    EntrySpec(EntryKind.ADJUSTMENT, bucket, delta, memo="import adjustment")
                    for bucket, delta in deltas.items()
                ],
                effective_on=today,
                source=("import", str(job.pk)),
                event=Event.LEDGER_ADJUSTED_BY_IMPORT,
            )
        )
    return True
