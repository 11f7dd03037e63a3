"""`arrears reports …`: KPIs as of a date, and the daily account snapshot they are read from.

- `arrears reports kpi --as-of YYYY-MM-DD [--org S] [--client CODE] [--period-days N] --json`
- `arrears reports snapshot --as-of YYYY-MM-DD [--org S] --json`
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_USAGE, ArrearsCommand
from arrears.reports.selectors import kpis_compute
from arrears.reports.services import snapshots_take
from arrears.tenancy.selectors import client_get, organization_resolve


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be YYYY-MM-DD, not {value!r}", returncode=EXIT_USAGE) from None


class Command(ArrearsCommand):
    help = "Reports: kpi (KPIs as of a date), snapshot (the daily account snapshot)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        p = sub.add_parser("kpi", help="every KPI as of the end of a day (see docs/reports.md)")
        p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
        p.add_argument("--org", default=None, help="organization slug (needed when there are several)")
        p.add_argument("--client", default=None, metavar="CODE", help="one client's figures")
        p.add_argument("--period-days", type=int, default=30, help="length of the period for flow KPIs")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("snapshot", help="snapshot every account of the organization as of a day")
        p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD")
        p.add_argument("--org", default=None)
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = _day(options["as_of"])
        org = organization_resolve(slug=options["org"])
        if options["subcommand"] == "snapshot":
            result = snapshots_take(organization_id=org.pk, as_of=as_of)
            payload = {
                "as_of": as_of.isoformat(),
                "accounts": result.accounts,
                "changed": result.changed,
                "seconds": result.seconds,
            }
            if options["json"]:
                self.emit_json(payload)
            else:
                self.stdout.write(f"snapshot {as_of}: {result.accounts} accounts, {result.changed} changed")
            return
        if options["period_days"] < 1:
            raise CommandError("--period-days must be at least 1", returncode=EXIT_USAGE)
        client_id = client_get(organization=org, code=options["client"]).pk if options["client"] else None
        payload = kpis_compute(
            organization_id=org.pk, as_of=as_of, client_id=client_id, period_days=options["period_days"]
        )
        if options["json"]:
            self.emit_json(payload)
            return
        kpi_values: dict[str, Any] = payload["kpis"]  # type: ignore[assignment]
        for name, value in kpi_values.items():
            self.stdout.write(f"{name:26} {'—' if value is None else value}")
