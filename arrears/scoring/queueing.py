""" "Next account": take the top of the collector's queue and lock it to them for a while."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from arrears.tenancy.domain import Principal

from .selectors import work_queue
from .services import queue_lock_first, queue_release

# Ranked accounts tried per "next account": enough that a few collectors pressing it at once each get one.
NEXT_CANDIDATES = 25


@transaction.atomic
def queue_next(*, principal: Principal, user_id: int, at: datetime) -> int | None:
    """Release the collector's current account, then lock the best account of their queue that no
    other collector holds; returns its id (None when the queue is empty). Two collectors pressing
    at the same moment never get the same account (``services.queue_lock_first``)."""
    queue_release(organization_id=principal.organization_id, user_id=user_id, at=at)
    queue = work_queue(principal=principal, user_id=user_id, at=at, limit=NEXT_CANDIDATES)
    return queue_lock_first(
        organization_id=principal.organization_id,
        user_id=user_id,
        account_ids=[row.account_id for row in queue.rows],
        at=at,
        actor=principal,
    )
