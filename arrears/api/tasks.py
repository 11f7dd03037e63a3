"""Background work for webhooks: plain `@task`s, safe to run twice. The scheduler (`strategies`) runs
the sweep every minute (`api/scheduling.py`); `arrears api webhook sweep` runs it by hand."""

from __future__ import annotations

from django.tasks import task


@task()
def webhook_deliver_task(*, delivery_id: int) -> str:
    """Try one delivery if it is due; a failure re-enqueues itself with `run_after` (the backoff)."""
    from .services import webhook_deliver

    return webhook_deliver(delivery_id=delivery_id)


@task()
def webhooks_sweep_task() -> dict[str, int]:
    """Derive deliveries from the audit log for every endpoint and re-enqueue lost retries."""
    from .services import webhooks_sweep

    return webhooks_sweep()
