"""Periodic work: which jobs exist, when each is due, and the guard that runs each period once.

Every worker (`arrears worker`, and the one `arrears serve` embeds) ticks the scheduler every
`TICK_SECONDS`. A tick finds, for each job, the latest period due (APScheduler's cron trigger, read in
the job's time zone, so a local 02:00 stays 02:00 across DST changes) and claims it by inserting the
unique (job, period) row of `ScheduledRun`. One insert wins whatever the number of workers; the winner
enqueues the job as a task, which any worker runs. A worker that was down catches up the latest missed
period of each job (within the job's look-back), not every one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from arrears.core.clock import utcnow
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_get, organization_list

from . import domain
from .models import NightlyChunk, Schedule, ScheduledRun

logger = logging.getLogger(__name__)

TICK_SECONDS = 30
DEFAULT_NIGHTLY_AT = time(2, 0)
DEFAULT_LETTERS_AT = time(16, 0)


@dataclass(frozen=True, slots=True)
class Job:
    name: str
    cron: str
    tz: str
    lookback: timedelta
    run: Callable[[datetime], Any]
    description: str


def _outbox_sweep(_: datetime) -> Any:
    from arrears.contact.tasks import outbox_sweep_task

    return outbox_sweep_task.call()


def _retries(period: datetime) -> dict[str, int]:
    from . import engine

    done = {}
    for organization_id, account_ids in engine.retries_due(now=period).items():
        org = organization_get(organization_id=organization_id)
        counts = engine.strategies_advance(
            organization_id=organization_id,
            account_ids=account_ids,
            run_on=domain.local_date(utcnow(), org.timezone),
            now=utcnow(),
            actor=system_principal(organization_id, "strategies"),
        )
        done[org.slug] = counts.steps_done
    return done


def _reclaim(_: datetime) -> int:
    """Chunks whose worker stopped (lease run out) get a task again."""
    from .tasks import nightly_chunk_run_task

    stale = list(
        NightlyChunk.objects.filter(status="running", lease_until__lt=utcnow()).values_list("pk", flat=True)
    )
    for pk in stale:
        nightly_chunk_run_task.enqueue(chunk_id=pk)
    return len(stale)


def _prune(_: datetime) -> str:
    from django.core.management import call_command

    call_command("prune_db_task_results", min_age_days=7, queue_name="*", verbosity=0)
    return "pruned"


def _nightly(organization_id: int) -> Callable[[datetime], Any]:
    def run(period: datetime) -> dict[str, Any]:
        from .services import nightly_start

        org = organization_get(organization_id=organization_id)
        run_on = domain.local_date(period, org.timezone)
        started = nightly_start(
            organization=org, run_on=run_on, actor=system_principal(org.pk, "nightly"), enqueue=True
        )
        return {"date": run_on.isoformat(), "run": started.pk, "chunks": started.chunks.count()}

    return run


def _letters(organization_id: int) -> Callable[[datetime], Any]:
    def run(_: datetime) -> int:
        from arrears.contact.tasks import letters_print_task

        return len(letters_print_task.call(organization_id=organization_id))

    return run


def _reports(organization_id: int) -> Callable[[datetime], Any]:
    def run(period: datetime) -> int:
        from arrears.reports.tasks import schedules_send_due_task

        # each schedule's own cadence and local time decide; the period is "now" for them
        return schedules_send_due_task.call(organization_id=organization_id, now=period.isoformat())

    return run


def _alerts(organization_id: int) -> Callable[[datetime], Any]:
    def run(period: datetime) -> int:
        from arrears.reports.tasks import alerts_evaluate_task

        org = organization_get(organization_id=organization_id)
        today = domain.local_date(period, org.timezone).isoformat()
        return alerts_evaluate_task.call(organization_id=organization_id, today=today)

    return run


def _retrain(organization_id: int) -> Callable[[datetime], Any]:
    def run(_: datetime) -> Any:
        from arrears.scoring.tasks import scoring_retrain_task

        return scoring_retrain_task.call(organization_id)

    return run


# Jobs of apps above this one (the API's webhook sweep): each such app registers a function that lists
# them when it is ready, so the scheduler runs them without importing upward.
EXTRA_JOBS: list[Callable[[], list[Job]]] = []


def jobs_register(listing: Callable[[], list[Job]]) -> None:
    """Add an app's periodic jobs (called from the app's `AppConfig.ready`); registering twice is a no-op."""
    if listing not in EXTRA_JOBS:
        EXTRA_JOBS.append(listing)


def jobs() -> list[Job]:
    """Every periodic job: the shared ones, then each organization's nightly run and letter printing
    at the local times it set (its `Schedule`, else 02:00 and 16:00 on weekdays)."""
    found = [
        Job("outbox-sweep", "*/5 * * * *", "UTC", timedelta(minutes=10), _outbox_sweep,
            "retry outbox messages that are due, held or interrupted"),
        Job("strategy-retries", "*/15 * * * *", "UTC", timedelta(minutes=30), _retries,
            "take strategy steps the gate blocked, at their next_allowed_at"),
        Job("nightly-reclaim", "*/5 * * * *", "UTC", timedelta(minutes=10), _reclaim,
            "give a task again to nightly chunks whose worker stopped"),
        Job("prune-tasks", "30 3 * * *", "UTC", timedelta(days=2), _prune,
            "delete finished task results older than 7 days"),
    ]  # fmt: skip
    schedules = {s.organization_id: s for s in Schedule.objects.all()}
    for org in organization_list(order_by=("pk",)):
        s = schedules.get(org.pk)
        nightly = s.nightly_at if s else DEFAULT_NIGHTLY_AT
        letters = s.letters_at if s else DEFAULT_LETTERS_AT
        found.append(
            Job(f"nightly:{org.slug}", f"{nightly.minute} {nightly.hour} * * *", org.timezone,
                timedelta(hours=26), _nightly(org.pk), f"nightly run of {org.slug} at {nightly:%H:%M} local")
        )  # fmt: skip
        found.append(
            Job(f"letters:{org.slug}", f"{letters.minute} {letters.hour} * * mon-fri", org.timezone,
                timedelta(hours=26), _letters(org.pk), f"print {org.slug}'s letters at {letters:%H:%M} local")
        )  # fmt: skip
        found.append(
            Job(f"reports:{org.slug}", "*/15 * * * *", org.timezone, timedelta(minutes=30), _reports(org.pk),
                f"email {org.slug}'s scheduled reports whose local send time has come, every 15 minutes")
        )  # fmt: skip
        found.append(
            Job(f"alerts:{org.slug}", "10 * * * *", org.timezone, timedelta(hours=2), _alerts(org.pk),
                f"evaluate {org.slug}'s alert rules, hourly")
        )  # fmt: skip
        found.append(
            Job(f"scoring-retrain:{org.slug}", "30 3 * * sun", org.timezone, timedelta(days=8),
                _retrain(org.pk), f"retrain {org.slug}'s propensity model, Sundays at 03:30 local")
        )  # fmt: skip
    for listing in EXTRA_JOBS:
        found.extend(listing())
    return found


def scheduler_tick(
    *, now: datetime | None = None, worker: str = "", enqueue: bool = True
) -> list[ScheduledRun]:
    """Claim every period now due that no worker has claimed, and enqueue it. Safe from any number of
    workers at once: the unique (job, period) row decides."""
    now = now or utcnow()
    claimed = []
    for job in jobs():
        period = domain.due_period(job.cron, job.tz, now=now, lookback=job.lookback)
        if period is None or ScheduledRun.objects.filter(job=job.name, period=period).exists():
            continue
        try:
            with transaction.atomic():
                run = ScheduledRun.objects.create(
                    job=job.name, period=period, claimed_by=worker, started_at=now
                )
        except IntegrityError:
            continue  # another worker claimed this period first
        claimed.append(run)
        if enqueue:
            from .tasks import scheduled_job_run_task

            scheduled_job_run_task.enqueue(run_id=run.pk)
    return claimed


def scheduled_run_execute(*, run_id: int) -> str:
    """Run a claimed period once: a second call finds it finished (or running) and does nothing."""
    with transaction.atomic():
        updated = ScheduledRun.objects.filter(pk=run_id, status="queued").update(
            status="running", started_at=utcnow()
        )
    if not updated:
        return "already run"
    run = ScheduledRun.objects.get(pk=run_id)
    job = next((j for j in jobs() if j.name == run.job), None)
    try:
        if job is None:
            raise LookupError(f"no job {run.job!r} any more")
        result = job.run(run.period)
        status = "done"
    except Exception as exc:  # the job's failure is its result, shown on the schedule page
        logger.exception("scheduled job %s failed", run.job)
        result, status = {"error": f"{type(exc).__name__}: {exc}"}, "failed"
    ScheduledRun.objects.filter(pk=run_id).update(
        status=status, result=_jsonable(result), finished_at=utcnow()
    )
    return status


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    return str(value)


def schedule_read(*, now: datetime | None = None) -> list[dict[str, Any]]:
    """Each job with its last run (period, status, result, finish) and its next run, for the page and
    `arrears schedule --json`."""
    now = now or utcnow()
    rows = []
    for job in jobs():
        last = ScheduledRun.objects.filter(job=job.name).order_by("-period").first()
        nxt = domain.next_fire(job.cron, job.tz, now=now)
        rows.append(
            {
                "job": job.name,
                "description": job.description,
                "cron": job.cron,
                "timezone": job.tz,
                "last_run": None
                if last is None
                else {
                    "period": _iso(last.period),
                    "status": last.status,
                    "result": last.result,
                    "claimed_by": last.claimed_by,
                    "finished_at": _iso(last.finished_at),
                },
                "next_run": _iso(nxt),
            }
        )
    return rows


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(domain.zone("UTC")).isoformat().replace("+00:00", "Z") if value else None


def scheduler_thread_start(*, worker: str, interval: float = TICK_SECONDS) -> threading.Event:
    """Tick in a daemon thread of a worker process until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        from django.db import close_old_connections

        while not stop.is_set():
            try:
                close_old_connections()
                scheduler_tick(worker=worker)
            except Exception:  # a failed tick is logged; the next one tries again
                logger.exception("scheduler tick failed")
            stop.wait(interval)

    threading.Thread(target=loop, name="scheduler", daemon=True).start()
    return stop
