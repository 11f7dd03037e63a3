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


@task()
def schedules_send_due_task(*, organization_id: int, today: str) -> int:
    """Email every scheduled report due on `today` (YYYY-MM-DD); each is sent at most once a day."""
    from .delivery import schedules_send_due

    return schedules_send_due(organization_id=organization_id, today=date.fromisoformat(today))


@task()
def alerts_evaluate_task(*, organization_id: int, today: str) -> int:
    """Fire the organization's alert rules whose condition holds; each at most once per period."""
    from arrears.core.clock import utcnow

    from .delivery import alerts_evaluate

    return alerts_evaluate(organization_id=organization_id, today=date.fromisoformat(today), now=utcnow())
