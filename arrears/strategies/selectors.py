"""Reads of the work that spans the apps: the nightly runs, as the CLI (and later the API) prints them."""

from __future__ import annotations

from typing import Any

from .models import NightlyRun


def nightly_read(run: NightlyRun) -> dict[str, Any]:
    return {
        "organization": run.organization.slug,
        "date": run.run_on.isoformat(),
        "status": run.status,
        "counts": run.counts,
        "errors": run.errors,
        "finished_at": run.finished_at.isoformat().replace("+00:00", "Z") if run.finished_at else None,
    }
