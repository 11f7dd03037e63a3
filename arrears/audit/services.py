"""Writing to the audit log. Every service that changes state calls `audit_record` in its transaction."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow

from .domain import event_hash, head_seal, is_plain
from .events import Event
from .keys import chain_key
from .models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from arrears.tenancy.domain import Principal


def _round_trip(data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` as the JSON column will give it back (Decimal and dates as strings, tuples as lists), so
    hashes verify."""
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` as the JSON column will give it back. Most events carry ids, codes and flags
    (``is_plain``): a copy of those is cheaper than the round trip."""
    if is_plain(data):
        return copy.deepcopy(dict(data))
    return _round_trip(data)


# The chain head is read and moved for every event, often for a single one (the compliance gate's
# decisions): by hand, as Django takes longer to build the queries than the database to run them.
_HEADS = AuditChainHead._meta.db_table


class _Head(NamedTuple):
    seq: int
    hash: str


def _move_head(organization_id: int, *, seq: int, hash: str, key: bytes | None) -> None:
    seal = head_seal(organization_id=organization_id, seq=seq, hash=hash, key=key)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_HEADS} SET seq = %s, hash = %s, seal = %s WHERE organization_id = %s",  # noqa: S608 (fixed names; values bound)  # nosec B608
            [seq, hash, seal, organization_id],
        )


def _locked_head(organization_id: int) -> _Head:
    """The organization's chain head, locked until the transaction ends, so the chain has no forks
    (``SELECT … FOR UPDATE``; SQLite has one writer at a time and no such clause)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT seq, hash FROM {_HEADS} WHERE organization_id = %s{lock}"  # noqa: S608 (fixed names; values bound)
    with connection.cursor() as cursor:
        cursor.execute(sql, [organization_id])
        row = cursor.fetchone()
        if row is None:
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(organization_id=organization_id)], ignore_conflicts=True
            )
            cursor.execute(sql, [organization_id])
            row = cursor.fetchone()
    return _Head(*row)


def audit_record(
    *,
    actor: Principal,
    event: Event,
    subject_type: str,
    subject_id: object,
    account_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    name = Event(event).value  # a name outside the enum is refused before anything is written
    # No savepoint: a failure here must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        head = _locked_head(actor.organization_id)
        key = chain_key()
        payload = _jsonable(data or {})
        when = at or utcnow()
        # Microsecond precision survives every database we support; the hash covers exactly that.
        label = actor.label or (f"user:{actor.user_id}" if actor.user_id else "system")
        fields: dict[str, Any] = {
            "organization_id": actor.organization_id,
            "seq": head.seq + 1,
            "at": when,
            "actor": label,
            "actor_user_id": actor.user_id,
            "event": name,
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "account_id": account_id,
            "data": payload,
        }
        digest = event_hash(**fields, prev_hash=head.hash, key=key)
        row = AuditEvent.objects.create(
            organization_id=actor.organization_id,
            seq=fields["seq"],
            at=when,
            actor_user_id=actor.user_id,
            actor_label=label,
            event=fields["event"],
            subject_type=subject_type,
            subject_id=fields["subject_id"],
            account_id=account_id,
            data=payload,
            prev_hash=head.hash,
            hash=digest,
        )
        _move_head(actor.organization_id, seq=row.seq, hash=digest, key=key)
        return row


@dataclass(frozen=True, slots=True)
class AuditSpec:
    """One event for `audit_record_many`."""

    event: Event
    subject_type: str
    subject_id: object
    account_id: int | None = None
    data: Mapping[str, Any] | None = None


def audit_record_many(*, actor: Principal, events: Sequence[AuditSpec]) -> list[int]:
    """Append several events in order with one lock of the chain head and one insert; returns their ids.

    The chain is the same as if each had been recorded by `audit_record`: used by batch writers
    (a file of payments) that must audit every row without a round trip per row.
    """
    if not events:
        return []
    names = [Event(spec.event).value for spec in events]  # refused before anything is written
    with transaction.atomic(savepoint=False):
        head = _locked_head(actor.organization_id)
        key = chain_key()
        label = actor.label or (f"user:{actor.user_id}" if actor.user_id else "system")
        when = utcnow()
        when_text = when.isoformat(timespec="microseconds")
        seq, prev = head.seq, head.hash
        rows = []
        for spec, name in zip(events, names, strict=True):
            seq += 1
            data = spec.data or {}
            # Plain data (ids, codes and flags: most events) is hashed and stored as it is, and at once:
            # no copy is needed to keep it from changing before it is written.
            plain = (
                is_plain(data)
                and type(spec.subject_type) is str
                and (spec.account_id is None or type(spec.account_id) is int)
                and (actor.user_id is None or type(actor.user_id) is int)
            )
            fields: dict[str, Any] = {
                "organization_id": actor.organization_id,
                "seq": seq,
                "at": when,
                "actor": label,
                "actor_user_id": actor.user_id,
                "event": name,
                "subject_type": spec.subject_type,
                "subject_id": str(spec.subject_id),
                "account_id": spec.account_id,
                "data": data if plain else _round_trip(data),
            }
            digest = event_hash(**fields, prev_hash=prev, at_text=when_text, known_plain=plain, key=key)
            rows.append(
                {
                    "organization_id": actor.organization_id,
                    "seq": seq,
                    "at": when,
                    "actor_user_id": actor.user_id,
                    "actor_label": label,
                    "event": fields["event"],
                    "subject_type": spec.subject_type,
                    "subject_id": fields["subject_id"],
                    "account_id": spec.account_id,
                    "data": fields["data"],
                    "prev_hash": prev,
                    "hash": digest,
                }
            )
            prev = digest
        ids = insert_rows(AuditEvent, rows)
        _move_head(actor.organization_id, seq=seq, hash=prev, key=key)
        return ids
