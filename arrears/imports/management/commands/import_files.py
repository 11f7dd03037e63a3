"""`arrears import accounts PATH --client CODE …`: the account import (issue 4 CLI contract).

Exit codes: 0 every row imported (or would be, with --dry-run), 1 rows were rejected, 2 the file or
the arguments cannot be used. `--json` prints the summary on stdout; messages go to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.errors import ArrearsError
from arrears.core.management.base import EXIT_REJECTED, EXIT_USAGE, ArrearsCommand
from arrears.imports.choices import DateOrder, FileFormat, JobStatus
from arrears.imports.errors import ImportProblem
from arrears.imports.models import ImportJob
from arrears.imports.selectors import import_job_summary
from arrears.imports.services import after_batch_hooks, import_job_create, import_job_run
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import client_get, organization_resolve


class Command(ArrearsCommand):
    help = "Import files: `arrears import accounts PATH --client CODE [--org SLUG] [--dry-run] [--json]`"

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        return super().create_parser("arrears", "import", **kwargs)  # usage reads `arrears import …`

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        accounts = sub.add_parser(
            "accounts", help="Import accounts from a canonical CSV, XLSX or accounting export"
        )
        accounts.add_argument("path")
        accounts.add_argument("--client", required=True, help="client code")
        accounts.add_argument("--org", help="organization slug (optional when only one exists)")
        accounts.add_argument("--format", default=FileFormat.AUTO, choices=FileFormat.values)
        accounts.add_argument("--mapping", help="a mapping file (TOML)")
        accounts.add_argument("--date-order", choices=DateOrder.values, dest="date_order")
        accounts.add_argument("--dry-run", action="store_true", dest="dry_run")
        accounts.add_argument("--skip-invalid", action="store_true", dest="skip_invalid")
        accounts.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        try:
            mapping_toml = Path(options["mapping"]).read_text(encoding="utf-8") if options["mapping"] else ""
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(
                f"cannot read mapping {options['mapping']}: {exc}", returncode=EXIT_USAGE
            ) from exc
        if not path.is_file():
            raise CommandError(f"no such file: {path}", returncode=EXIT_USAGE)
        org = organization_resolve(slug=options["org"], client_code=options["client"])
        client = client_get(organization=org, code=options["client"])
        job = import_job_create(
            organization=org,
            client=client,
            path=path.resolve(),
            actor=system_principal(org.pk, "cli"),
            file_name=path.name,
            format=options["format"],
            mapping_toml=mapping_toml,
            date_order=options["date_order"] or "",
            skip_invalid=options["skip_invalid"],
            dry_run=options["dry_run"],
        )
        if job.rows_done:
            self.stderr.write(f"resuming import #{job.pk} after row {job.rows_done}")
        progress = _Progress(self.stderr._out) if sys.stderr.isatty() else None
        if progress:
            after_batch_hooks.append(progress)
        try:
            job = import_job_run(job=job)
        finally:
            if progress:
                after_batch_hooks.remove(progress)
                progress.done()
        summary = import_job_summary(job=job)
        failure = None
        if job.status == JobStatus.FAILED:  # the file could not be read to the end
            failure = ArrearsError(ImportProblem.FILE_UNREADABLE, job.message)
            summary = {"error": failure.as_dict(), **summary}
        if options["json"]:
            self.emit_json(summary)
        else:
            self._human(job, summary)
        for column in job.unknown_columns:
            self.stderr.write(f"unknown column ignored: {column}")
        if failure:
            raise failure
        if summary["rejected"]:
            sys.exit(EXIT_REJECTED)

    def _human(self, job: ImportJob, summary: dict[str, Any]) -> None:
        for e in summary["errors"]:
            self.stderr.write(f"row {e['row']} {e['column']} {e['value']!r}: {e['message']}")
        verb = "would import" if job.dry_run else "imported"
        self.stdout.write(
            f"{job.get_status_display()}: {summary['rows']} rows, {verb} {summary['accounts_created']} new, "
            f"{summary['accounts_updated']} changed accounts; debtors {summary['debtors_created']} new, "
            f"{summary['debtors_matched']} matched; {summary['contact_points_created']} contact points; "
            f"{summary['rejected']} rejected; {summary['merge_candidates']} merge candidates"
        )


class _Progress:
    """A progress bar on stderr (TTY only), redrawn after each committed batch."""

    def __init__(self, out: Any) -> None:
        self.out = out

    def __call__(self, job: ImportJob) -> None:
        total = job.rows_total - job.rejected if job.skip_invalid else job.rows_total
        done = job.rows_written
        width = 40
        filled = int(width * done / total) if total else width
        self.out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} rows")
        self.out.flush()

    def done(self) -> None:
        self.out.write("\n")
