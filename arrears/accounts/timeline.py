from __future__ import annotations

from collections.abc import Iterator

from arrears.core.timeline import TimelineItem
from arrears.tenancy.domain import Principal

from .models import Account, AccountNote


def items(*, principal: Principal, account: Account) -> Iterator[TimelineItem]:
    notes = AccountNote.objects.filter(account=account, organization_id=principal.organization_id)
    for note in notes.order_by("-created_at"):
        yield TimelineItem(
            at=note.created_at,
            kind="note",
            title="Note",
            detail=note.body,
            actor=note.author_label,
            ref=f"note:{note.pk}",
        )
