from __future__ import annotations

from datetime import time

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_USAGE, ArrearsCommand
from arrears.strategies import definitions, scheduler
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve


def _time(text: str, name: str) -> time:
    try:
        return time.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{name}: not a time (HH:MM): {text!r}", returncode=EXIT_USAGE) from None


class Command(ArrearsCommand):
    help = (
        "The periodic jobs, with each one's last run, its result and its next run. "
        "`--nightly-at HH:MM [--letters-at HH:MM] --org S` sets an organization's local times."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", help="organization slug (for --nightly-at/--letters-at)")
        parser.add_argument("--nightly-at", help="local time of the organization's nightly run (HH:MM)")
        parser.add_argument("--letters-at", help="local time of its letter printing on weekdays (HH:MM)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["nightly_at"] or options["letters_at"]:
            org = organization_resolve(slug=options["org"])
            definitions.schedule_set(
                organization_id=org.pk,
                nightly_at=_time(options["nightly_at"] or "02:00", "--nightly-at"),
                letters_at=_time(options["letters_at"] or "16:00", "--letters-at"),
                actor=system_principal(org.pk, "cli:schedule"),
            )
        jobs = scheduler.schedule_read()
        if options["json"]:
            self.emit_json({"jobs": jobs})
            return
        for j in jobs:
            last = j["last_run"]
            last_text = f"{last['status']} {last['period']}" if last else "never"
            self.stdout.write(f"{j['job']:<28} next {j['next_run']}  last {last_text}")
