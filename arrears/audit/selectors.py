from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
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


def audit_search(
    *,
    principal: Principal,
    event: str = "",
    actor: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    account_id: int | None = None,
) -> QuerySet[AuditEvent]:
    """The organization's audit log, newest first, narrowed by event (a name, or its prefix such as
    ``payment.``), actor label, an instant range [since, until) and the account."""
    qs = AuditEvent.objects.filter(organization_id=principal.organization_id)
    if event:
        qs = qs.filter(event__startswith=event) if event.endswith(".") else qs.filter(event=event)
    if actor:
        qs = qs.filter(actor_label=actor)
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if account_id is not None:
        qs = qs.filter(account_id=account_id)
    return qs.order_by("-seq")


def audit_head_seq(*, organization_id: int) -> int:
    """The seq of the organization's latest audit event (0 when it has none)."""
    head = AuditChainHead.objects.filter(pk=organization_id).values_list("seq", flat=True).first()
    return head or 0


def audit_events_after(
    *, organization_id: int, after_seq: int, through_seq: int, events: Sequence[str], limit: int
) -> QuerySet[AuditEvent]:
    """The organization's events with these names in (`after_seq`, `through_seq`], oldest first: a cursor
    over the log for readers that derive something from it (the API's webhooks). Every event up to the
    committed head's seq is committed (they commit with the head), so a reader that takes the head
    first and reads up to it misses nothing. Served by (organization, seq)."""
    return AuditEvent.objects.filter(
        organization_id=organization_id, seq__gt=after_seq, seq__lte=through_seq, event__in=list(events)
    ).order_by("seq")[:limit]


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
