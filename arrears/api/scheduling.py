"""The API's periodic work, run by the scheduler of `strategies` (which lists it without importing the
API: `AppConfig.ready` registers it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from arrears.strategies.scheduler import Job


def _sweep(_: datetime) -> Any:
    from .tasks import webhooks_sweep_task

    return webhooks_sweep_task.call()


def api_jobs() -> list[Job]:
    """Every minute: turn new audit events into webhook deliveries and send the retries that are due."""
    return [
        Job("webhooks-sweep", "* * * * *", "UTC", timedelta(minutes=5), _sweep,
            "turn new events into webhook deliveries and send those due"),
    ]  # fmt: skip
