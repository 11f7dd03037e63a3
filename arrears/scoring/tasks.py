"""Scoring's background work: retrain and rescore an organization (schedule it nightly or weekly)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from arrears.core.clock import utcnow
from arrears.tenancy.domain import system_principal

from .services import model_current, model_train, organization_today


@task()
def scoring_retrain_task(organization_id: int) -> dict[str, Any]:
    """Train the next model version on the organization's history and rescore its accounts. Safe to
    run twice: each run stores one more version, and the scores are replaced, not added to."""
    current = model_current(organization_id=organization_id)
    model = model_train(
        organization_id=organization_id,
        # The same population as the model it replaces (every account, or the clients it was limited to).
        client_ids=(current.metrics.get("trained_on_clients") if current else None),
        today=organization_today(organization_id=organization_id, at=utcnow()),
        actor=system_principal(organization_id, "scoring retrain"),
    )
    return {"model_version": model.version, "fallback": model.fallback, "auc": model.metrics.get("auc")}
