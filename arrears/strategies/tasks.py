"""Background work of automation. Tasks take ids and are safe to run twice."""

from __future__ import annotations

import os
import socket

from django.tasks import task


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@task()
def nightly_chunk_run_task(*, chunk_id: int) -> int:
    """Work one chunk of a nightly run (if no other worker holds it), then help with the rest."""
    from .models import NightlyChunk
    from .services import chunks_work

    run_id = NightlyChunk.objects.filter(pk=chunk_id).values_list("run_id", flat=True).first()
    if run_id is None:
        return 0  # the run was started again: its new chunks have their own tasks
    return chunks_work(run_id=run_id, worker=worker_name(), chunk_id=chunk_id)


@task()
def scheduled_job_run_task(*, run_id: int) -> str:
    """Run one period of a periodic job (its row was claimed by exactly one scheduler)."""
    from .scheduler import scheduled_run_execute

    return scheduled_run_execute(run_id=run_id)
