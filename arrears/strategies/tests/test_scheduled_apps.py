"""The scheduler runs the periodic work of the apps around it: scheduled reports and alerts (reports),
model retraining (scoring) and the webhook sweep (api, registered from above without an upward import)."""

from datetime import UTC, datetime

import pytest

from arrears.core.clock import utcnow
from arrears.strategies import scheduler
from arrears.strategies.models import ScheduledRun


@pytest.mark.django_db(transaction=True)
def test_every_apps_periodic_job_is_listed_and_claimed_once(org):
    # given: a Sunday, 03:31 in New York (07:31 UTC in winter)
    now = datetime(2026, 3, 1, 8, 31, tzinfo=UTC)

    # when
    first = {r.job for r in scheduler.scheduler_tick(now=now, worker="a", enqueue=False)}
    second = scheduler.scheduler_tick(now=now, worker="b", enqueue=False)

    # then
    names = {job.name for job in scheduler.jobs()}
    assert {"reports:acme", "alerts:acme", "scoring-retrain:acme", "webhooks-sweep"} <= names
    assert {"alerts:acme", "scoring-retrain:acme", "webhooks-sweep"} <= first
    assert second == []
    retrain = ScheduledRun.objects.get(job="scoring-retrain:acme")
    assert retrain.period == datetime(2026, 3, 1, 8, 30, tzinfo=UTC)  # 03:30 EST


@pytest.mark.django_db(transaction=True)
def test_the_apps_jobs_run(org, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    by_name = {job.name: job for job in scheduler.jobs()}
    now = utcnow()

    # nothing scheduled or alerting yet: each job runs and reports what it did
    assert by_name["reports:acme"].run(now) == 0
    assert by_name["alerts:acme"].run(now) == 0
    assert isinstance(by_name["webhooks-sweep"].run(now), dict)
    trained = by_name["scoring-retrain:acme"].run(now)
    assert trained["fallback"] is True  # no history yet: the documented heuristic, and it says so


def test_registering_a_listing_twice_adds_it_once():
    def listing():
        return []

    scheduler.jobs_register(listing)
    scheduler.jobs_register(listing)
    try:
        assert scheduler.EXTRA_JOBS.count(listing) == 1
    finally:
        scheduler.EXTRA_JOBS.remove(listing)
