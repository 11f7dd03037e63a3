"""Background work of `reports`. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from datetime import date

from django.tasks import task


@task()
def snapshots_take_task(*, organization_id: int, as_of: str) -> int:
    """Snapshot the organization's accounts as of `as_of` (YYYY-MM-DD); a re-run replaces the day's rows.
    Returns the number of accounts whose snapshot changed."""
    from .services import snapshots_take

    return snapshots_take(
        organization_id=organization_id, as_of=date.fromisoformat(as_of), skip_if_past=True
    ).changed
