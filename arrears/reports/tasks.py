"""Background work of `reports`. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from datetime import date

from django.tasks import task


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
