from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Max, QuerySet

from .domain import NO_HEAD, Break, ChainRow, Head, verify_chain
from .keys import chain_key
from .models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from arrears.tenancy.domain import Principal


@dataclass(frozen=True, slots=True)
class ChainReport:
    organization_id: int
    checked: int
    first_break: Break | None

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _rows(organization_id: int) -> Iterator[ChainRow]:
    events = AuditEvent.objects.filter(organization_id=organization_id).order_by("seq")
    for e in events.iterator(chunk_size=2000):
        yield ChainRow(
            seq=e.seq,
            prev_hash=e.prev_hash,
            hash=e.hash,
            hash_fields={
                "organization_id": e.organization_id,
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor_label,
                "actor_user_id": e.actor_user_id,
                "event": e.event,
                "subject_type": e.subject_type,
                "subject_id": e.subject_id,
                "account_id": e.account_id,
                "data": e.data,
            },
        )


def audit_chain_verify(*, organization_id: int) -> ChainReport:
    stored = AuditChainHead.objects.filter(pk=organization_id).first()
    head = (
        Head(organization_id=organization_id, seq=stored.seq, hash=stored.hash, seal=stored.seal)
        if stored is not None
        else NO_HEAD
    )
    checked, first_break = verify_chain(_rows(organization_id), head=head, key=chain_key())
    return ChainReport(organization_id=organization_id, checked=checked, first_break=first_break)


def audit_list_for_account(*, principal: Principal, account_id: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        organization_id=principal.organization_id, account_id=account_id
    ).order_by("-seq")


def audit_last_at(*, organization_id: int, account_ids: Collection[int]) -> datetime | None:
    """When anything last happened on these accounts (every state change is on the log)."""
    if not account_ids:
        return None
    last: datetime | None = (
        AuditEvent.objects.filter(organization_id=organization_id, account_id__in=list(account_ids))
        .aggregate(last=Max("at"))
        .get("last")
    )
    return last
