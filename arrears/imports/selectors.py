from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from arrears.core.errors import NotFound
from arrears.core.spreadsheet import csv_writer
from arrears.tenancy.domain import Principal

from .errors import ImportProblem
from .models import ImportJob, ImportRowError

SUMMARY_KEYS = (
    "rows",
    "accounts_created",
    "accounts_updated",
    "debtors_created",
    "debtors_matched",
    "contact_points_created",
    "rejected",
    "written",
)


def import_job_summary(*, job: ImportJob) -> dict[str, Any]:
    """The CLI contract's JSON: counts, `written`, every error, and the merge candidates found."""
    summary: dict[str, Any] = {key: getattr(job, key) for key in SUMMARY_KEYS}
    summary["errors"] = list(
        ImportRowError.objects.filter(job=job)
        .order_by("row", "id")
        .values("row", "column", "value", "message")
    )
    if job.status == "failed" and job.message:
        summary["errors"].insert(0, {"row": 1, "column": "", "value": "", "message": job.message})
    summary["merge_candidates"] = job.merge_candidates
    return summary


def import_job_list(*, actor: Principal) -> QuerySet[ImportJob]:
    jobs = ImportJob.objects.filter(organization_id=actor.organization_id).select_related("client")
    if actor.client_ids is not None:
        jobs = jobs.filter(client_id__in=actor.client_ids)
    return jobs.order_by("-created_at", "-id")


def import_job_get(*, actor: Principal, job_id: int) -> ImportJob:
    try:
        return import_job_list(actor=actor).get(pk=job_id)
    except ImportJob.DoesNotExist:
        raise NotFound(ImportProblem.JOB_NOT_FOUND, f"no import #{job_id}") from None


def import_job_errors_csv(*, job: ImportJob) -> Iterator[str]:
    """The error report as CSV lines, streamed."""
    buffer = io.StringIO()
    writer = csv_writer(buffer)
    writer.writerow(["row", "column", "value", "message"])
    yield buffer.getvalue()
    rows = (
        ImportRowError.objects.filter(job=job)
        .order_by("row", "id")
        .values_list("row", "column", "value", "message")
    )
    for row in rows.iterator(chunk_size=2000):
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        yield buffer.getvalue()


def import_jobs_page(*, actor: Principal, starting_after: int | None, limit: int) -> list[ImportJob]:
    """A cursor page of the import jobs the principal may see, by id."""
    jobs = import_job_list(actor=actor)
    if starting_after is not None:
        jobs = jobs.filter(pk__gt=starting_after)
    return list(jobs.order_by("pk")[:limit])


def import_job_errors_page(
    *, actor: Principal, job_id: int, starting_after: int | None, limit: int
) -> list[ImportRowError]:
    """A cursor page of one visible job's row errors, by id (row order: rows are checked in order). A
    national id's value is stored masked (``imports.domain.records.masked``): never in full here either."""
    job = import_job_get(actor=actor, job_id=job_id)
    errors = ImportRowError.objects.filter(job=job)
    if starting_after is not None:
        errors = errors.filter(pk__gt=starting_after)
    return list(errors.order_by("pk")[:limit])
