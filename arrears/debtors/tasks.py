"""Background work for debtors. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task


@task()
def contact_points_locate_task(*, organization_id: int | None = None) -> int:
    """Store the time zones of phones an import wrote without them (see ``contact_points_locate``)."""
    from .services import contact_points_locate

    return contact_points_locate(organization_id=organization_id)
