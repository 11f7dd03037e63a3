"""Writing to the audit log. Every service that changes state calls `audit_record` in its transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from arrears.core.clock import utcnow
from arrears.tenancy.domain import Principal

from .domain import event_hash
from .models import AuditChainHead, AuditEvent


def _jsonable(data: Mapping[str, Any]) -> dict[str, Any]:
    """Normalise values (Decimal, dates) to what the JSON column will give back, so hashes verify."""
    import json

    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def audit_record(
    *,
    actor: Principal,
    event: str,
    subject_type: str,
    subject_id: object,
    account_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    # No savepoint: a failure here must fail the caller's whole transaction anyway.
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(pk=actor.organization_id).first()
        if head is None:
            AuditChainHead.objects.bulk_create(
                [AuditChainHead(organization_id=actor.organization_id)], ignore_conflicts=True
            )
            head = AuditChainHead.objects.select_for_update().get(pk=actor.organization_id)
        payload = _jsonable(data or {})
        when = at or utcnow()
        # Microsecond precision survives every database we support; the hash covers exactly that.
        label = actor.label or (f"user:{actor.user_id}" if actor.user_id else "system")
        fields: dict[str, Any] = {
            "organization_id": actor.organization_id,
            "seq": head.seq + 1,
            "at": when,
            "actor": label,
            "event": str(event),
            "subject_type": subject_type,
            "subject_id": str(subject_id),
            "account_id": account_id,
            "data": payload,
        }
        digest = event_hash(**fields, prev_hash=head.hash)
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
        AuditChainHead.objects.filter(pk=head.pk).update(seq=row.seq, hash=digest)
        return row
