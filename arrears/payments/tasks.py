"""Background work for money in. Tasks take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task

from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_get


@task()
def accounts_reconcile_task(*, organization_id: int, account_ids: list[int]) -> None:
    """After money moved: bring promises, plans and settlements of these accounts up to date."""
    from .services import account_reconcile, organization_today

    actor = system_principal(organization_id, "payments")
    today = organization_today(organization_get(organization_id=organization_id))
    for account_id in account_ids:
        account_reconcile(account_id=account_id, today=today, actor=actor)
