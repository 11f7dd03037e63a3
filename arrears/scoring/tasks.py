"""Scoring's background work: retrain and rescore an organization (schedule it nightly or weekly)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from arrears.core.clock import utcnow
from arrears.tenancy.domain import system_principal

from .services import model_retrain, organization_today


@task()
def scoring_retrain_task(organization_id: int) -> dict[str, Any]:
    """Train the next model version on the organization's history and rescore its accounts. Safe to
    run twice: each run stores one more version, and the scores are replaced, not added to."""
    model = model_retrain(
        organization_id=organization_id,
        today=organization_today(organization_id=organization_id, at=utcnow()),
        actor=system_principal(organization_id, "scoring retrain"),
    )
    return {"model_version": model.version, "fallback": model.fallback, "auc": model.metrics.get("auc")}
