"""`arrears metro2 …`: credit-bureau furnishing in the Metro 2 format.

- `arrears metro2 export --as-of YYYY-MM-DD --out FILE [--org S] [--furnisher-id ID] --json`
- `arrears metro2 validate FILE --json`: every error, exit 1 when there is any.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.clock import utcnow
from arrears.core.management.base import EXIT_REJECTED, EXIT_USAGE, ArrearsCommand
from arrears.reports.domain import metro2
from arrears.reports.services import metro2_export
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve


class Command(ArrearsCommand):
    help = "Metro 2: export (furnish collection accounts), validate (check a file, every error)."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        p = sub.add_parser("export", help="write the organization's collection accounts as a Metro 2 file")
        p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
        p.add_argument("--out", required=True, metavar="FILE")
        p.add_argument("--org", default=None)
        p.add_argument(
            "--furnisher-id",
            default="",
            help="identification number the bureaus assigned (default: the organization slug, upper case)",
        )
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("validate", help="check a Metro 2 file (character format, or a .zip of one)")
        p.add_argument("file", metavar="FILE")
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "validate":
            self._validate(options)
            return
        try:
            as_of = date.fromisoformat(options["as_of"])
        except ValueError:
            raise CommandError(
                f"--as-of must be YYYY-MM-DD, not {options['as_of']!r}", returncode=EXIT_USAGE
            ) from None
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"cannot write {out}: no such directory", returncode=EXIT_USAGE)
        org = organization_resolve(slug=options["org"])
        result = metro2_export(
            actor=system_principal(org.pk, "cli:metro2"),
            as_of=as_of,
            out=out,
            identification_number=options["furnisher_id"],
            now=utcnow(),
        )
        payload = {
            "records": result.records,
            "skipped": result.skipped,
            "statuses": result.statuses,
            "out": str(out),
        }
        if options["json"]:
            self.emit_json(payload)
        else:
            self.stdout.write(f"{result.records} records written to {out}; skipped {result.skipped}")

    def _validate(self, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}", returncode=EXIT_USAGE) from None
        records, errors = metro2.validate(data)
        payload = {"records": records, "errors": [e.as_dict() for e in errors]}
        if options["json"]:
            self.emit_json(payload)
        else:
            for e in errors:
                self.stdout.write(f"record {e.record} {e.field}: {e.message}")
            self.stdout.write(f"{records} base records, {len(errors)} errors")
        if errors:
            raise SystemExit(EXIT_REJECTED)
