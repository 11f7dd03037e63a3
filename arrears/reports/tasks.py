"""Background work of `reports`. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from datetime import date, datetime

from django.tasks import task


@task()
def schedules_send_due_task(*, organization_id: int, now: str) -> int:
    """Email every scheduled report whose send time has come by `now` (ISO datetime); each day of a
    schedule is sent at most once."""
    from .delivery import schedules_send_due

    return schedules_send_due(organization_id=organization_id, now=datetime.fromisoformat(now))


@task()
def schedule_send_requested_task(*, schedule_id: int, requested: str) -> bool:
    """ "Send now" from the workbench: sent once per request, whatever the number of runs."""
    from arrears.core.clock import utcnow

    from .delivery import schedule_send_requested

    return schedule_send_requested(
        schedule_id=schedule_id, requested=datetime.fromisoformat(requested), now=utcnow()
    )


@task()
def alerts_evaluate_task(*, organization_id: int, today: str) -> int:
    """Fire the organization's alert rules whose condition holds; each at most once per period."""
    from arrears.core.clock import utcnow

    from .delivery import alerts_evaluate

    return alerts_evaluate(organization_id=organization_id, today=date.fromisoformat(today), now=utcnow())
