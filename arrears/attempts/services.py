"""Writes to the contact-attempt log. Contact is the one writer (it calls these); the caller audits the
attempts with its own events, in its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow

from .models import ContactAttempt


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
