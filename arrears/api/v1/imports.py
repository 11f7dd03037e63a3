"""Imports: upload an account file for a client, poll its job, page through its errors. A job runs in a
worker (as the import pages' jobs do); its row errors never show a national id in full."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, UploadedFile
from pydantic import BaseModel, Field

from arrears.imports.selectors import import_job_errors_page, import_job_get, import_jobs_page
from arrears.imports.services import import_job_confirm_and_run, import_submit
from arrears.tenancy.selectors import client_for

from ..choices import Resource
from .conventions import MAX_LIMIT, idempotent, need, page
from .resources import Id, StartingAfter

router = Router(tags=["imports"])


class Counts(BaseModel):
    rows: int
    accounts_created: int
    accounts_updated: int
    debtors_created: int
    debtors_matched: int
    contact_points_created: int
    rejected: int
    merge_candidates: int


class ImportOut(BaseModel):
    id: int
    object: Literal["import"] = "import"
    client: str
    file_name: str
    file_sha256: str
    format: str
    dry_run: bool
    skip_invalid: bool
    status: str = Field(
        description="pending, validating, writing, then completed, dry_run, rejected (invalid rows, "
        "nothing written) or failed (the file is unusable: see `message`)"
    )
    finished: bool
    message: str
    progress_percent: int
    rows_total: int
    rows_written: int
    counts: Counts
    written: bool
    unknown_columns: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class ImportList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ImportOut]
    has_more: bool


class ImportErrorOut(BaseModel):
    id: int
    object: Literal["import_error"] = "import_error"
    row: int = Field(description="the spreadsheet row (the header is row 1)")
    column: str
    value: str = Field(description="what the cell held; a national id only by its last 4 characters")
    message: str


class ImportErrorList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ImportErrorOut]
    has_more: bool


class ImportIn(BaseModel):
    """An import, as a multipart form: these fields and the `file` (other fields are ignored)."""

    client: str = Field(
        default="", max_length=40, description="the client's code (a client's token: its own)"
    )
    format: Literal["auto", "csv", "xlsx", "quickbooks", "xero", "sage"] = "auto"
    mapping: str = Field(
        default="", max_length=20_000, description="your own mapping (TOML, docs/imports.md)"
    )
    date_order: Literal["", "mdy", "dmy", "ymd"] = ""
    skip_invalid: bool = Field(default=False, description="import the valid rows even if some are invalid")
    dry_run: bool = Field(default=False, description="check and count everything, write nothing")


FINISHED = frozenset({"completed", "dry_run", "rejected", "failed"})
COUNTS = tuple(Counts.model_fields)


def _job(j: Any) -> dict[str, Any]:
    return {
        "id": j.pk,
        "client": j.client.code,
        "file_name": j.file_name,
        "file_sha256": j.file_sha256,
        "format": j.format,
        "dry_run": j.dry_run,
        "skip_invalid": j.skip_invalid,
        "status": j.status,
        "finished": j.status in FINISHED,
        "message": j.message,
        "progress_percent": j.progress_percent,
        "rows_total": j.rows_total,
        "rows_written": j.rows_written,
        "counts": {c: getattr(j, c) for c in COUNTS},
        "written": j.written,
        "unknown_columns": list(j.unknown_columns or []),
        "created_at": j.created_at,
        "started_at": j.started_at,
        "finished_at": j.finished_at,
    }


def _error(e: Any) -> dict[str, Any]:
    return {"id": e.pk, "row": e.row, "column": e.column, "value": e.value, "message": e.message}


@router.post(
    "/imports", operation_id="imports_create", response={201: ImportOut}, summary="Upload a file to import"
)
def imports_create(request: HttpRequest, body: Form[ImportIn], file: File[UploadedFile]) -> HttpResponse:
    """Upload an account file (a `multipart/form-data` form: canonical CSV, XLSX, or a QuickBooks, Xero or
    Sage export) for a client. The import runs in a worker: poll `GET /imports/{id}` until `finished`
    (or subscribe to `import.finished`), then page through `GET /imports/{id}/errors`. Every row is
    checked before any is written; with `dry_run` nothing is written. Takes an `Idempotency-Key`."""
    token = need(request, Resource.IMPORTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        job = import_submit(
            client=client_for(principal=token.principal, code=body.client or None),
            name=file.name or "upload.csv",
            chunks=file.chunks(),
            actor=token.principal,
            format=body.format,
            mapping_toml=body.mapping,
            date_order=body.date_order,
            skip_invalid=body.skip_invalid,
            dry_run=body.dry_run,
        )
        return _job(import_job_get(actor=token.principal, job_id=job.pk))

    return idempotent(request, 201, ImportOut, produce)


@router.get("/imports", operation_id="imports_list", response=ImportList, summary="List imports")
def imports_list(
    request: HttpRequest,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: StartingAfter = None,
) -> dict[str, Any]:
    token = need(request, Resource.IMPORTS)
    rows = import_jobs_page(actor=token.principal, starting_after=starting_after, limit=limit + 1)
    return page(rows, limit, _job)


@router.get("/imports/{id}", operation_id="imports_get", response=ImportOut, summary="Get an import's job")
def imports_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002 (the path's name)
    """Its status, progress and counts: poll this while it runs."""
    token = need(request, Resource.IMPORTS)
    return _job(import_job_get(actor=token.principal, job_id=id))


@router.get(
    "/imports/{id}/errors",
    operation_id="imports_errors",
    response=ImportErrorList,
    summary="List an import's row errors",
)
def imports_errors(
    request: HttpRequest,
    id: Id,  # noqa: A002
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: StartingAfter = None,
) -> dict[str, Any]:
    """Why each rejected row was refused, one reason a row, in row order."""
    token = need(request, Resource.IMPORTS)
    rows = import_job_errors_page(
        actor=token.principal, job_id=id, starting_after=starting_after, limit=limit + 1
    )
    return page(rows, limit, _error)


@router.post(
    "/imports/{id}/confirm",
    operation_id="imports_confirm",
    response={201: ImportOut},
    summary="Run a dry run for real",
)
def imports_confirm(request: HttpRequest, id: Id) -> HttpResponse:  # noqa: A002
    """After a finished dry run: the same file with the same options, written, as a new job. Takes an
    `Idempotency-Key`."""
    token = need(request, Resource.IMPORTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        real = import_job_confirm_and_run(
            job=import_job_get(actor=token.principal, job_id=id), actor=token.principal
        )
        return _job(import_job_get(actor=token.principal, job_id=real.pk))

    return idempotent(request, 201, ImportOut, produce)
