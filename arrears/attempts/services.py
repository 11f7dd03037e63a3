"""Writes to the contact-attempt log. Contact is the one writer (it calls these); the caller audits the
attempts with its own events, in its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from arrears.accounts.selectors import accounts_in_organization
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record_many
from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.tenancy.domain import Principal

from .choices import CallSource
from .errors import AttemptsError
from .models import CallRequest, ContactAttempt


@dataclass(frozen=True, slots=True)
class AttemptSpec:
    """One attempt to log: who, how, when, the outcome, and the debts it concerned."""

    organization_id: int
    debtor_id: int
    channel: str
    direction: str
    outcome: str
    at: datetime
    account_ids: Sequence[int] = ()
    contact_point_id: int | None = None
    target: str = ""
    user_id: int | None = None
    decision_id: int | None = None
    notes: str = ""
    ended_at: datetime | None = None


def _row(spec: AttemptSpec, now: datetime) -> dict[str, Any]:
    return {
        "organization_id": spec.organization_id,
        "created_at": now,
        "updated_at": now,
        "debtor_id": spec.debtor_id,
        "contact_point_id": spec.contact_point_id,
        "channel": spec.channel,
        "direction": spec.direction,
        "outcome": spec.outcome,
        "target": spec.target,
        "at": spec.at,
        "ended_at": spec.ended_at,
        "user_id": spec.user_id,
        "decision_id": spec.decision_id,
        "notes": spec.notes,
    }


_STAMPS = ("created_at", "updated_at")


@transaction.atomic
def attempts_record_many(*, attempts: Sequence[AttemptSpec]) -> list[int]:
    """Log the attempts with the accounts each concerned, in two inserts whatever their number; returns
    their ids in order."""
    return _insert(attempts, utcnow())


@transaction.atomic
def attempt_record(*, attempt: AttemptSpec) -> ContactAttempt:
    """Log one attempt (a batch of one) and return it as stored."""
    now = utcnow()
    [pk] = _insert([attempt], now)
    row = {"id": pk, **_row(attempt, now)}
    # The timestamps are left to load when asked for: outside PostgreSQL's COPY, Django sets its own.
    names = [f.attname for f in ContactAttempt._meta.concrete_fields if f.attname not in _STAMPS]
    return ContactAttempt.from_db(connection.alias, names, [row[name] for name in names])


def _insert(attempts: Sequence[AttemptSpec], now: datetime) -> list[int]:
    if not attempts:
        return []
    ids = insert_rows(ContactAttempt, [_row(spec, now) for spec in attempts])
    through = ContactAttempt.accounts.through
    through.objects.bulk_create(
        [
            through(contactattempt_id=pk, account_id=account_id)
            for pk, spec in zip(ids, attempts, strict=True)
            for account_id in dict.fromkeys(spec.account_ids)
        ]
    )
    return ids


def attempt_outcome_set(*, attempt_id: int, outcome: str) -> None:
    """Correct a logged outcome from what the channel later reported (a bounce: undeliverable)."""
    ContactAttempt.objects.filter(pk=attempt_id).update(outcome=outcome, updated_at=utcnow())


def attempt_end_set(*, attempt_id: int, ended_at: datetime) -> None:
    """Record when a call ended (it started at the attempt's ``at``)."""
    ContactAttempt.objects.filter(pk=attempt_id).update(ended_at=ended_at, updated_at=utcnow())


@dataclass(frozen=True, slots=True)
class CallRequestIn:
    """One account to call at or after ``due_at``, and why (in words a collector reads)."""

    account_id: int
    due_at: datetime
    reason: str
    source: str
    user_id: int | None = None


@transaction.atomic
def call_requests_add_many(
    *, organization_id: int, requests: Sequence[CallRequestIn], actor: Principal
) -> int:
    """Queue accounts for a call; returns how many requests were added.

    An account that already has an open request of the same source keeps it (adding again is a no-op,
    so a strategy step or a task run twice queues once). Accounts outside the organization are refused.
    """
    for request in requests:
        if request.source not in CallSource.values:
            raise ArrearsError(
                AttemptsError.CALL_REQUEST_SOURCE_INVALID,
                f"source must be one of {', '.join(CallSource.values)}",
            )
        if not request.reason.strip():
            raise ArrearsError(AttemptsError.CALL_REQUEST_REASON_EMPTY, "a call request needs a reason")
    wanted = list(dict.fromkeys(r.account_id for r in requests))
    known = {a.pk for a in accounts_in_organization(organization_id=organization_id, account_ids=wanted)}
    if unknown := [pk for pk in wanted if pk not in known]:
        raise ArrearsError(
            AttemptsError.CALL_REQUEST_ACCOUNT_UNKNOWN, f"no account {unknown[0]} in this organization"
        )
    open_now = set(
        CallRequest.objects.filter(account_id__in=wanted, closed_at__isnull=True).values_list(
            "account_id", "source"
        )
    )
    now = utcnow()
    fresh: dict[tuple[int, str], CallRequest] = {}
    for r in requests:
        key = (r.account_id, r.source)
        if key in open_now or key in fresh:
            continue
        fresh[key] = CallRequest(
            organization_id=organization_id,
            account_id=r.account_id,
            due_at=r.due_at,
            reason=r.reason.strip()[:200],
            source=r.source,
            created_by_id=r.user_id,
            created_at=now,
            updated_at=now,
        )
    created = CallRequest.objects.bulk_create(fresh.values(), ignore_conflicts=True)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CALL_REQUEST_ADDED,
                subject_type="account",
                subject_id=c.account_id,
                account_id=c.account_id,
                data={"source": c.source, "due_at": c.due_at, "reason": c.reason},
            )
            for c in created
        ],
    )
    return len(created)


@transaction.atomic
def call_requests_close(
    *, organization_id: int, account_ids: Sequence[int], reason: str, actor: Principal
) -> int:
    """Close every open call request of these accounts (the call was made, or it is no longer wanted)."""
    rows = list(
        CallRequest.objects.select_for_update()
        .filter(organization_id=organization_id, account_id__in=list(account_ids), closed_at__isnull=True)
        .values_list("pk", "account_id", "source")
    )
    if not rows:
        return 0
    now = utcnow()
    CallRequest.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(
        closed_at=now, closed_reason=reason[:200], updated_at=now
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CALL_REQUEST_CLOSED,
                subject_type="account",
                subject_id=account_id,
                account_id=account_id,
                data={"source": source, "reason": reason[:200]},
            )
            for _, account_id, source in rows
        ],
    )
    return len(rows)
