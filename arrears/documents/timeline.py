from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from arrears.core.timeline import TimelineItem
from arrears.tenancy.domain import Principal

from .selectors import document_list

if TYPE_CHECKING:
    from arrears.accounts.models import Account


def items(*, principal: Principal, account: Account) -> Iterator[TimelineItem]:
    # Call recordings appear under their call; only stand-alone documents are items of their own.
    for doc in document_list(principal=principal, account_id=account.pk).filter(contact_attempt__isnull=True):
        yield TimelineItem(
            at=doc.uploaded_at,
            kind="document",
            title=f"{doc.get_kind_display()} stored",
            detail=f"{doc.original_name} ({doc.size:,} bytes, SHA-256 {doc.sha256})",
            actor=doc.uploaded_by.username if doc.uploaded_by else "system",
            ref=f"document:{doc.pk}",
            extra={"document_id": doc.pk, "sha256": doc.sha256},
        )
