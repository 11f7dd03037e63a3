from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_REJECTED, EXIT_USAGE, ArrearsCommand
from arrears.payments.services import organization_today
from arrears.strategies import selectors, services
from arrears.strategies.tasks import worker_name
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_list, organization_resolve


def parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: not a date (YYYY-MM-DD): {text!r}", returncode=EXIT_USAGE) from None


class _Progress:
    """Chunks done of the run, on stderr (TTY only)."""

    def __init__(self, out: Any, label: str) -> None:
        self.out, self.label = out, label

    def __call__(self, p: dict[str, int]) -> None:
        width, total, done = 40, p["chunks"], p["done"]
        filled = int(width * done / total) if total else width
        self.out.write(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} chunks")
        self.out.flush()

    def done(self) -> None:
        self.out.write("\n")


class Command(ArrearsCommand):
    help = (
        "Nightly run for a date: deposit post-dated payments, send the notices due, accrue interest, update "
        "promises, plans and settlements, and advance each account's strategy. The accounts are split into "
        "chunks that this process and any running `arrears worker` claim. Running it twice for a date "
        "queues no message and posts nothing the second time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in each organization's time zone)")
        parser.add_argument("--org", help="organization slug (default: every organization)")
        parser.add_argument("--chunk-size", type=int, default=1000, help="accounts per chunk (default 1000)")
        parser.add_argument(
            "--no-work",
            action="store_true",
            help="only start the run and wait: the chunks are left to `arrears worker` processes",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["chunk_size"] < 1:
            raise CommandError("--chunk-size: at least 1", returncode=EXIT_USAGE)
        orgs = (
            [organization_resolve(slug=options["org"])]
            if options["org"]
            else list(organization_list(order_by=("pk",)))
        )
        worker = f"cli:{worker_name()}"
        runs = []
        for org in orgs:
            run_on = parse_date(options["date"], "--date") if options["date"] else organization_today(org)
            self.info(f"nightly {org.slug} {run_on.isoformat()} …")
            run = services.nightly_start(
                organization=org,
                run_on=run_on,
                actor=system_principal(org.pk, "nightly"),
                chunk_size=options["chunk_size"],
            )
            progress = _Progress(self.stderr._out, org.slug) if sys.stderr.isatty() else None
            if not options["no_work"]:
                while (chunk := services.chunk_claim(run_id=run.pk, worker=worker)) is not None:
                    services.chunk_work(chunk=chunk, worker=worker)
                    if progress:
                        progress(services.nightly_progress(run_id=run.pk))
            services.nightly_wait(
                run_id=run.pk, worker=worker, on_progress=progress, help_pending=not options["no_work"]
            )
            if progress:
                progress.done()
            run.refresh_from_db()
            runs.append(run)
        summary = selectors.nightly_summary(runs)
        if options["json"]:
            self.emit_json(summary)
        else:
            for r in summary["runs"]:
                counts = ", ".join(f"{k} {v}" for k, v in sorted(r["counts"].items()))
                self.stdout.write(f"{r['organization']} {r['date']}: {r['status']} ({counts})")
        if summary["status"] != "completed":
            raise SystemExit(EXIT_REJECTED)
