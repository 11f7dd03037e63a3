"""`arrears forecast --weeks 13 [--org S] --json`: expected collections per week, with a 90% range.

Prints {"weeks": [{"week_start", "expected", "low", "high"}, …]}; week 1 starts today.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.core.clock import utcnow
from arrears.core.management.base import ArrearsCommand
from arrears.scoring.forecasting import forecast_json
from arrears.scoring.selectors import forecast
from arrears.scoring.services import organization_today
from arrears.tenancy.selectors import organization_resolve

from ._scoring_cli import add_json, positive_int


class Command(ArrearsCommand):
    help = "Cash-flow forecast: expected collections for each of the next weeks, with a range."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--weeks", default="13", metavar="N")
        parser.add_argument("--org", help="organization slug (optional when there is only one)")
        add_json(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        weeks = positive_int(options["weeks"], name="--weeks", most=104)
        org = organization_resolve(slug=options.get("org"))
        today = organization_today(organization_id=org.pk, at=utcnow())
        # What is known now (today's promises and plans included), week 1 starting today.
        result = forecast(organization_id=org.pk, weeks=weeks, as_of=today, start=today)
        if options["json"]:
            self.emit_json(forecast_json(result))
            return
        for w in result:
            self.stdout.write(f"{w.week_start}  {w.expected:>14}  ({w.low} – {w.high})")
