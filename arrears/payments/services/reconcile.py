"""Reconciliation after money moves: bring an account's promises, plans and settlements up to date."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from arrears.tenancy.domain import Principal

from ._common import _lock
from .plans import plans_evaluate
from .promises import promises_evaluate
from .settlements import settlements_evaluate


@transaction.atomic
def account_reconcile(*, account_id: int, today: date, actor: Principal) -> dict[str, int]:
    """Bring promises, plans and settlements of one account up to date. Safe to run twice."""
    account = _lock(account_id, actor)
    return {
        "promises": promises_evaluate(account=account, today=today, actor=actor),
        "plans": plans_evaluate(account=account, today=today, actor=actor),
        "settlements": settlements_evaluate(account=account, today=today, actor=actor),
    }
