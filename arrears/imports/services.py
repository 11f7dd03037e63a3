"""Importing account files: validate every row first, then write in committed, resumable batches."""

from __future__ import annotations

import hashlib
import hmac
import marshal
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from django.conf import settings
from django.db import transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.bulk import analyze_stale
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.tenancy.domain import Principal

from . import writing
from .choices import DateOrder, FileFormat, JobStatus
from .domain.mapping import (
    Mapping,
    MappingInvalid,
    mapping_from_toml,
    preset,
    resolve_layout,
)
from .domain.reading import Cells, UnreadableFile, csv_rows, looks_like_xlsx, xlsx_rows
from .domain.records import Issue, Record, RowParser
from .errors import ImportProblem
from .models import COUNTERS, ImportJob, ImportRowError
from .parsing import REJECTED, SKIPPED, default_workers, parse_rows

if TYPE_CHECKING:
    from arrears.tenancy.models import Client, Organization

HEADER_SEARCH_ROWS = 30
ERROR_FLUSH = 5000


def batch_size() -> int:
    return int(getattr(settings, "IMPORT_BATCH_SIZE", 5000))


def parse_workers(path: Path) -> int:
    """Processes for the validation pass: every core for a big file, none for a small one (starting
    workers costs about a quarter of a second)."""
    workers = int(getattr(settings, "IMPORT_WORKERS", 0)) or default_workers()
    try:
        big = path.stat().st_size >= int(getattr(settings, "IMPORT_PARALLEL_MIN_BYTES", 8 * 1024 * 1024))
    except OSError:
        big = False
    return workers if big else 1


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def mapping_for(*, format: str, mapping_toml: str) -> Mapping:
    """The mapping a job uses: its own TOML, a named preset, or the canonical columns."""
    if mapping_toml:
        return mapping_from_toml(mapping_toml)
    if format in (FileFormat.QUICKBOOKS, FileFormat.XERO, FileFormat.SAGE):
        return preset(format)
    return Mapping()


@transaction.atomic
def import_job_create(
    *,
    organization: Organization,
    client: Client,
    path: Path,
    actor: Principal,
    file_name: str = "",
    format: str = FileFormat.AUTO,
    mapping_toml: str = "",
    date_order: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportJob:
    """A job for this file, or the unfinished job for the same file and options (a resumed import)."""
    if client.organization_id != organization.pk:
        raise ArrearsError(ImportProblem.JOB_NOT_FOUND, "the client belongs to another organization")
    if format not in FileFormat.values:
        raise ArrearsError(ImportProblem.MAPPING_INVALID, f"unknown format {format!r}")
    try:
        mapping_for(format=format, mapping_toml=mapping_toml)
    except MappingInvalid as exc:
        raise ArrearsError(ImportProblem.MAPPING_INVALID, str(exc)) from exc
    try:
        sha = file_sha256(path)
    except OSError as exc:
        raise ArrearsError(ImportProblem.FILE_UNREADABLE, f"cannot read {path}: {exc.strerror}") from exc
    options = {
        "organization": organization,
        "client": client,
        "file_sha256": sha,
        "format": format,
        "mapping_toml": mapping_toml,
        "date_order": date_order,
        "skip_invalid": skip_invalid,
    }
    if not dry_run:
        unfinished = (
            ImportJob.objects.select_for_update()
            .filter(
                **options,
                dry_run=False,
                status__in=[JobStatus.PENDING, JobStatus.VALIDATING, JobStatus.WRITING],
            )
            .order_by("-id")
            .first()
        )
        if unfinished is not None:
            unfinished.file_path = str(path)
            unfinished.save(update_fields=["file_path", "updated_at"])
            return unfinished
    return ImportJob.objects.create(
        **options,
        dry_run=dry_run,
        file_name=file_name or path.name,
        file_path=str(path),
        created_by_id=actor.user_id,
        actor_label=actor.label,
    )


# ── reading a job's file ─────────────────────────────────────────────────────────────────────────
@dataclass
class Source:
    rows: Iterator[Cells]
    parser: RowParser
    header_row: int


@contextmanager
def _opened(job: ImportJob) -> Iterator[BinaryIO]:
    try:
        fh = Path(job.file_path).open("rb")  # noqa: SIM115 (closed by the with below; open errors reported)
    except OSError as exc:
        raise UnreadableFile(f"cannot read {job.file_name}: {exc.strerror}") from exc
    with fh:
        yield fh


def _cells(job: ImportJob, mapping: Mapping, fh: BinaryIO) -> Iterator[Cells]:
    kind = job.format if job.format in (FileFormat.CSV, FileFormat.XLSX) else mapping.format
    if kind == "xlsx" or (kind == "auto" and looks_like_xlsx(fh)):
        return xlsx_rows(fh)
    return csv_rows(fh)


def _source(job: ImportJob, fh: BinaryIO) -> Source:
    mapping = mapping_for(format=job.format, mapping_toml=job.mapping_toml)
    rows = _cells(job, mapping, fh)
    first_missing: list[str] | None = None
    for _ in range(HEADER_SEARCH_ROWS):
        cells = next(rows, None)
        if cells is None:
            break
        layout, missing = resolve_layout(cells.values, cells.row, mapping)
        if not missing:
            org = job.organization
            parser = RowParser(
                layout=layout,
                mapping=mapping,
                country=org.country,
                currency=org.currency,
                date_order=job.date_order or None,
            )
            return Source(rows, parser, cells.row)
        if first_missing is None:
            first_missing = missing
    if first_missing is None:
        raise UnreadableFile("the file has no rows")
    raise HeaderInvalid(first_missing)


class HeaderInvalid(UnreadableFile):
    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"no header row with the required columns; missing: {', '.join(missing)}")
        self.missing = missing


# ── running a job ────────────────────────────────────────────────────────────────────────────────
class _DryRunRollback(Exception):
    pass


class Superseded(Exception):
    """Another process is writing this job."""


# Called after each committed batch with the job; tests inject a crash here.
after_batch_hooks: list[Callable[[ImportJob], None]] = []


def import_job_run(*, job: ImportJob) -> ImportJob:
    """Validate every row, then write (or, for a dry run, write and roll back). Resumable."""
    job = ImportJob.objects.select_related("organization", "client").get(pk=job.pk)
    if job.status in (JobStatus.COMPLETED, JobStatus.REJECTED, JobStatus.DRY_RUN, JobStatus.FAILED):
        return job
    if job.started_at is None:
        job.started_at = utcnow()
    actor = Principal(
        organization_id=job.organization_id,
        role="admin",
        user_id=job.created_by_id,
        label=job.actor_label or "import",
    )
    spill = Spill()
    try:
        return _validate_and_write(job, actor, spill)
    finally:
        spill.close()


def _validate_and_write(job: ImportJob, actor: Principal, spill: Spill) -> ImportJob:
    try:
        rejected_rows = _validate(job, spill)
    except UnreadableFile as exc:
        return _finish(job, JobStatus.FAILED, message=str(exc))
    if rejected_rows and not job.skip_invalid:
        return _finish(job, JobStatus.REJECTED)
    job.status = JobStatus.WRITING
    job.save(update_fields=["status", "started_at", "updated_at"])
    if job.dry_run:
        counts = {c: 0 for c in COUNTERS if c not in ("rows", "rejected")}
        try:
            with transaction.atomic():
                _write(job, spill, actor, commit_each_batch=False)
                counts = {c: getattr(job, c) for c in counts}
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        for name, value in counts.items():
            setattr(job, name, value)
        return _finish(job, JobStatus.DRY_RUN, written=False)
    try:
        _write(job, spill, actor, commit_each_batch=True)
    except Superseded:
        return ImportJob.objects.get(pk=job.pk)
    # The tables this import grew, analyzed whole (the batches analyzed only the look-up columns): the
    # next night's plans read the debtors, contact points and accounts by every column.
    analyze_stale()
    written = any(
        getattr(job, c)
        for c in (
            "accounts_created",
            "accounts_updated",
            "debtors_created",
            "contact_points_created",
            "merge_candidates",
        )
    )
    audit_record(
        actor=actor,
        event=Event.IMPORT_COMPLETED,
        subject_type="import_job",
        subject_id=job.pk,
        data={
            "client": job.client.code,
            "file": job.file_name,
            "sha256": job.file_sha256,
            **{c: getattr(job, c) for c in COUNTERS},
        },
    )
    if job.contact_points_created:
        _locate_on_commit(job.client.organization_id)
    return _finish(job, JobStatus.COMPLETED, written=written)


def _locate_on_commit(organization_id: int) -> None:
    """The import writes phones without their time zones (working them out costs more than the rest
    of the row): a task stores them once the rows are committed."""
    from arrears.debtors.tasks import contact_points_locate_task

    transaction.on_commit(lambda: contact_points_locate_task.enqueue(organization_id=organization_id))


def _finish(job: ImportJob, status: str, *, message: str = "", written: bool = False) -> ImportJob:
    job.status = status
    job.message = message
    job.written = written
    job.finished_at = utcnow()
    job.save()
    return job


class Spill:
    """Valid records of the validation pass, packed with `marshal` into a temporary file, so the
    write pass does not parse the file a second time. Memory stays flat: chunks stream through."""

    CHUNK = 2000

    def __init__(self) -> None:
        self.file = tempfile.TemporaryFile(prefix="arrears-import-")  # noqa: SIM115 (closed by close())
        self.pending: list[tuple[object, ...]] = []

    def add(self, record: Record) -> None:
        self.add_packed(record.pack())

    def add_packed(self, packed: tuple[object, ...]) -> None:
        self.pending.append(packed)
        if len(self.pending) >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            blob = marshal.dumps(self.pending)
            self.file.write(len(blob).to_bytes(8, "little"))
            self.file.write(blob)
            self.pending = []

    def records(self) -> Iterator[Record]:
        self._flush()
        self.file.seek(0)
        unpack = Record.unpack
        # Length-prefixed blobs: marshal.load() on a file reads in tiny pieces, loads() on bytes does not.
        while size := int.from_bytes(self.file.read(8), "little"):
            chunk = marshal.loads(self.file.read(size))  # noqa: S302 (our own temp file)  # nosec B302
            for packed in chunk:
                yield unpack(packed)

    def close(self) -> None:
        self.file.close()


def _validate(job: ImportJob, spill: Spill | None = None) -> set[int]:
    """Parse every row, store every problem, and return the rejected rows. Writes no account data."""
    job.status = JobStatus.VALIDATING
    job.save(update_fields=["status", "started_at", "updated_at"])
    ImportRowError.objects.filter(job=job).delete()
    rejected: set[int] = set()
    pending: list[ImportRowError] = []
    seen_refs: set[str] = set()
    rows = 0
    with _opened(job) as fh:
        source = _source(job, fh)
        parser = source.parser
        job.unknown_columns = list(parser.layout.unknown)
        workers = parse_workers(Path(job.file_path))
        for row, kind, payload, ref in parse_rows(parser, source.rows, workers=workers):
            if kind == SKIPPED:
                continue
            rows += 1
            issues: list[tuple[int, str, str, str]] = payload if kind == REJECTED else []
            if ref:
                if ref in seen_refs and parser.mapping.collapse_repeats:
                    rows -= 1
                    continue  # another line of an invoice already read
                if ref in seen_refs:
                    issues = [*issues, (row, "account_ref", ref, "repeats an account_ref of an earlier row")]
                seen_refs.add(ref)
            if not issues:
                if spill is not None:
                    spill.add_packed(payload)
                continue
            rejected.add(row)
            pending.extend(
                ImportRowError(job=job, row=at, column=column, value=value[:1000], message=message[:300])
                for at, column, value, message in issues
            )
            if len(pending) >= ERROR_FLUSH:
                ImportRowError.objects.bulk_create(pending, batch_size=1000)
                pending = []
    ImportRowError.objects.bulk_create(pending, batch_size=1000)
    job.rows = rows
    job.rows_total = rows
    job.rejected = len(rejected)
    job.save(update_fields=["rows", "rows_total", "rejected", "unknown_columns", "updated_at"])
    return rejected


def _write(job: ImportJob, spill: Spill, actor: Principal, *, commit_each_batch: bool) -> None:
    size = batch_size()
    hash_key = hashlib.sha256(f"national_id:{settings.FIELD_HASH_KEY}".encode()).digest()

    def id_hash(plain: str) -> str:  # the same keyed hash as core.crypto.lookup_hash(purpose="national_id")
        return hmac.new(hash_key, plain.encode(), hashlib.sha256).hexdigest()

    batches = 0

    def flush(batch: list[Record]) -> None:
        nonlocal batches
        if not batch:
            return
        with transaction.atomic():
            writing.commit_asynchronously()
            # The job row is the claim: a second worker running the same job (a task delivered twice)
            # finds the cursor moved under it and stops instead of writing the batch again.
            committed = (
                ImportJob.objects.select_for_update().values_list("rows_done", flat=True).get(pk=job.pk)
            )
            if committed != job.rows_done:
                raise Superseded(job.pk)
            counts = writing.batch_write(job=job, records=batch, actor=actor, id_hash=id_hash)
            for name, value in counts.items():
                setattr(job, name, getattr(job, name) + value)
            job.rows_done = batch[-1].row
            job.rows_written += len(batch)
            job.save(update_fields=[*counts, "rows_done", "rows_written", "updated_at"])
        batches += 1
        if commit_each_batch and batches & (batches - 1) == 0 and batches.bit_length() % 2:  # 1, 4, 16, 64, …
            writing.refresh_statistics()
        if commit_each_batch:
            for hook in after_batch_hooks:
                hook(job)

    batch: list[Record] = []
    for record in spill.records():
        if record.row <= job.rows_done:
            continue  # committed before the process was stopped
        batch.append(record)
        if len(batch) >= size:
            flush(batch)
            batch = []
    flush(batch)


def import_job_errors(*, job: ImportJob) -> Iterator[dict[str, Any]]:
    for row in (
        ImportRowError.objects.filter(job=job)
        .order_by("row", "id")
        .values("row", "column", "value", "message")
    ):
        yield cast(dict[str, Any], row)


# ── web: preview, upload, confirm ────────────────────────────────────────────────────────────────
@dataclass
class PreviewRow:
    row: int
    cells: list[str]
    record: Record | None
    issues: list[Issue]


@dataclass
class Preview:
    header: list[str]
    header_row: int
    fields: dict[str, str]  # canonical field → the header it was read from
    unknown: tuple[str, ...]
    rows: list[PreviewRow]
    problem: str = ""


def import_preview(*, job: ImportJob, limit: int = 10) -> Preview:
    """The first rows of a job's file as the mapping reads them, before anything is validated or written."""
    try:
        with _opened(job) as fh:
            source = _source(job, fh)
            parser = source.parser
            rows = []
            for cells in source.rows:
                if parser.skip(cells.values):
                    continue
                parsed = parser.parse(cells.row, cells.values)
                record = parsed if isinstance(parsed, Record) else None
                rows.append(
                    PreviewRow(cells.row, cells.values, record, [] if record else cast(list[Issue], parsed))
                )
                if len(rows) >= limit:
                    break
    except (UnreadableFile, MappingInvalid) as exc:
        return Preview([], 0, {}, (), [], problem=str(exc))
    with _opened(job) as fh:
        mapping = mapping_for(format=job.format, mapping_toml=job.mapping_toml)
        header: list[str] = next(
            (c.values for c in _cells(job, mapping, fh) if c.row == source.header_row), []
        )
    fields = {name: header[i] for name, i in parser.index.items() if i < len(header)}
    return Preview(header, source.header_row, fields, parser.layout.unknown, rows)


@transaction.atomic
def import_job_configure(
    *, job: ImportJob, actor: Principal, format: str, mapping_toml: str, date_order: str, skip_invalid: bool
) -> ImportJob:
    """Set a draft job's mapping and options (the mapping step of the upload pages)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk, organization_id=actor.organization_id)
    if job.status != JobStatus.PENDING:
        raise ArrearsError(
            ImportProblem.JOB_NOT_CONFIRMABLE,
            "this import has run; start again from its page to change the mapping or the options",
        )
    if format not in FileFormat.values:
        raise ArrearsError(ImportProblem.MAPPING_INVALID, f"unknown format {format!r}")
    try:
        mapping_for(format=format, mapping_toml=mapping_toml)
    except MappingInvalid as exc:
        raise ArrearsError(ImportProblem.MAPPING_INVALID, str(exc)) from exc
    job.format = format
    job.mapping_toml = mapping_toml
    job.date_order = date_order
    job.skip_invalid = skip_invalid
    job.save(update_fields=["format", "mapping_toml", "date_order", "skip_invalid", "updated_at"])
    return job


def import_job_confirm(*, job: ImportJob, actor: Principal) -> ImportJob:
    """After a dry run: the real import of the same file with the same options, as a new job."""
    if not (job.dry_run and job.status == JobStatus.DRY_RUN):
        raise Conflict(ImportProblem.JOB_NOT_CONFIRMABLE, "only a finished dry run can be confirmed")
    return import_job_create(
        organization=job.organization,
        client=job.client,
        path=Path(job.file_path),
        actor=actor,
        file_name=job.file_name,
        format=job.format,
        mapping_toml=job.mapping_toml,
        date_order=job.date_order,
        skip_invalid=job.skip_invalid,
        dry_run=False,
    )


def import_job_retry(*, job: ImportJob, actor: Principal) -> ImportJob:
    """After a dry run (rejected rows, a wrong mapping, an unusable file): a new draft dry run of the same
    file with the same mapping and options, for the person to change them and run again. Nothing of the
    first job changes; its report stays."""
    if job.organization_id != actor.organization_id:
        raise ArrearsError(ImportProblem.JOB_NOT_FOUND, "no such import")
    if job.status not in (JobStatus.DRY_RUN, JobStatus.REJECTED, JobStatus.FAILED):
        raise ArrearsError(
            ImportProblem.JOB_NOT_CONFIRMABLE,
            "only a finished dry run or a rejected import can be tried again",
        )
    return import_job_create(
        organization=job.organization,
        client=job.client,
        path=Path(job.file_path),
        actor=actor,
        file_name=job.file_name,
        format=job.format,
        mapping_toml=job.mapping_toml,
        date_order=job.date_order,
        skip_invalid=job.skip_invalid,
        dry_run=True,
    )


def import_upload(*, client: Client, name: str, chunks: Iterator[bytes], actor: Principal) -> ImportJob:
    """Store an uploaded file under MEDIA_ROOT/imports/ and open a draft dry-run job for it."""
    if client.organization_id != actor.organization_id:
        raise ArrearsError(ImportProblem.JOB_NOT_FOUND, "no such client")
    folder = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(name).name or "upload.csv")
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    return import_job_create(
        organization=client.organization,
        client=client,
        path=path,
        actor=actor,
        file_name=path.name,
        dry_run=True,
    )


@transaction.atomic
def import_submit(
    *,
    client: Client,
    name: str,
    chunks: Iterator[bytes],
    actor: Principal,
    format: str = FileFormat.AUTO,
    mapping_toml: str = "",
    date_order: str = "",
    skip_invalid: bool = False,
    dry_run: bool = False,
) -> ImportJob:
    """Store an uploaded file under MEDIA_ROOT/imports/ and run it, with these options, in a worker once
    this transaction commits (the API's upload; the pages' upload stops at the mapping step instead).
    The job's status and counts move as it runs; its errors are kept with it."""
    if client.organization_id != actor.organization_id or not actor.sees_client(client.pk):
        raise ArrearsError(ImportProblem.JOB_NOT_FOUND, "no such client")
    if date_order and date_order not in DateOrder.values:
        raise ArrearsError(ImportProblem.MAPPING_INVALID, f"unknown date order {date_order!r}")
    folder = Path(settings.MEDIA_ROOT) / "imports" / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (Path(name).name or "upload.csv")
    with path.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
    job = import_job_create(
        organization=client.organization,
        client=client,
        path=path,
        actor=actor,
        file_name=path.name[:255],
        format=format,
        mapping_toml=mapping_toml,
        date_order=date_order,
        skip_invalid=skip_invalid,
        dry_run=dry_run,
    )
    _run_on_commit(job.pk)
    return job


@transaction.atomic
def import_job_confirm_and_run(*, job: ImportJob, actor: Principal) -> ImportJob:
    """After a dry run: the real import of the same file (``import_job_confirm``), run in a worker."""
    real = import_job_confirm(job=job, actor=actor)
    _run_on_commit(real.pk)
    return real


def _run_on_commit(job_id: int) -> None:
    from .tasks import import_job_run_task

    transaction.on_commit(lambda: import_job_run_task.enqueue(job_id=job_id))
