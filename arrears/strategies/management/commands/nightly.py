from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_REJECTED, EXIT_USAGE, ArrearsCommand
from arrears.payments.services import organization_today
from arrears.strategies import selectors, services
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_list, organization_resolve


def parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: not a date (YYYY-MM-DD): {text!r}", returncode=EXIT_USAGE) from None


class Command(ArrearsCommand):
    help = (
        "Nightly run up to a date: deposit post-dated payments, record their notices, accrue interest, and "
        "update promises, plans and settlements. Running it twice for a date posts nothing the second time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="YYYY-MM-DD (default: today in each organization's time zone)")
        parser.add_argument("--org", help="organization slug (default: every organization)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        orgs = (
            [organization_resolve(slug=options["org"])]
            if options["org"]
            else list(organization_list(order_by=("pk",)))
        )
        runs = []
        for org in orgs:
            run_on = parse_date(options["date"], "--date") if options["date"] else organization_today(org)
            self.info(f"nightly {org.slug} {run_on.isoformat()} …")
            run = services.nightly_run(
                organization=org, run_on=run_on, actor=system_principal(org.pk, "nightly")
            )
            runs.append(selectors.nightly_read(run))
        if options["json"]:
            self.emit_json({"runs": runs})
        else:
            for r in runs:
                counts = ", ".join(f"{k} {v}" for k, v in sorted(r["counts"].items()))
                self.stdout.write(f"{r['organization']} {r['date']}: {r['status']} ({counts})")
        if any(r["status"] != "completed" for r in runs):
            raise SystemExit(EXIT_REJECTED)
