from __future__ import annotations

from datetime import date
from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_USAGE, ArrearsCommand
from arrears.strategies import definitions, selectors, services
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve


class Command(ArrearsCommand):
    help = "Strategies: `load FILE` (a TOML definition, a new version), `preview --date D`, `list`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="save a strategy file as the strategy's next version")
        load.add_argument("file", type=Path)
        preview = sub.add_parser("preview", help="what a nightly run on a date would do; writes nothing")
        preview.add_argument("--date", required=True, help="YYYY-MM-DD")
        listing = sub.add_parser("list", help="the strategies, their live version and enrolled accounts")
        for p in (load, preview, listing):
            p.add_argument("--org", help="organization slug (optional when only one exists)")
            p.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        org = organization_resolve(slug=options["org"])
        if options["action"] == "load":
            try:
                source = options["file"].read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"{options['file']}: {exc}", returncode=EXIT_USAGE) from None
            version = definitions.strategy_save(
                organization_id=org.pk, source=source, actor=system_principal(org.pk, "cli:strategies")
            )
            data = {"strategy": version.strategy.name, "version": version.version}
            if options["json"]:
                self.emit_json(data)
            else:
                self.stdout.write(f"strategy {data['strategy']} version {data['version']}")
        elif options["action"] == "preview":
            try:
                on = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(
                    f"--date: not a date (YYYY-MM-DD): {options['date']!r}", returncode=EXIT_USAGE
                ) from None
            data = services.strategies_preview_all(organization_id=org.pk, run_on=on)
            if options["json"]:
                self.emit_json(data)
            else:
                self.stdout.write(f"{data['accounts']} accounts would act on {on}")
                for s in data["steps"]:
                    self.stdout.write(f"  {s['accounts']:>8}  {s['step']}")
        else:
            rows = selectors.strategy_list(organization_id=org.pk)
            if options["json"]:
                self.emit_json({"strategies": rows})
            else:
                for r in rows:
                    self.stdout.write(
                        f"{r['name']} v{r['version']} priority {r['priority']}: {r['enrolled']} enrolled"
                    )
