from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_USAGE, ArrearsCommand
from arrears.payments.services import organization_today
from arrears.strategies import definitions, selectors
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve


def _arm(text: str) -> tuple[str, str, int]:
    try:
        name, strategy, share = text.split(":")
        return name, strategy, int(share)
    except ValueError:
        raise CommandError(f"--arm: NAME:STRATEGY:SHARE, not {text!r}", returncode=EXIT_USAGE) from None


class Command(ArrearsCommand):
    help = (
        "Champion/challenger: `start NAME --arm NAME:STRATEGY:SHARE …`, `report NAME`, `stop NAME`, `list`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        start = sub.add_parser("start", help="split accounts entering the first arm's strategy between arms")
        start.add_argument("name")
        start.add_argument(
            "--arm", action="append", required=True, help="NAME:STRATEGY:SHARE (the first is the champion)"
        )
        report = sub.add_parser("report", help="per arm results, the challenger's lift and its 95%% interval")
        report.add_argument("name")
        stop = sub.add_parser("stop", help="no new accounts join; the ones in it stay")
        stop.add_argument("name")
        listing = sub.add_parser("list")
        for p in (start, report, stop, listing):
            p.add_argument("--org", help="organization slug (optional when only one exists)")
            p.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        org = organization_resolve(slug=options["org"])
        actor = system_principal(org.pk, "cli:experiments")
        action = options["action"]
        if action == "list":
            rows = [
                {"name": e.name, "status": e.status, "started_on": e.started_on, "arms": e.arms}
                for e in selectors.experiment_list(organization_id=org.pk)
            ]
            if options["json"]:
                self.emit_json({"experiments": rows})
            else:
                for r in rows:
                    self.stdout.write(f"{r['name']} ({r['status']}, since {r['started_on']})")
            return
        if action == "start":
            experiment = definitions.experiment_start(
                organization_id=org.pk,
                name=options["name"],
                arms=[_arm(a) for a in options["arm"]],
                actor=actor,
                today=organization_today(org),
            )
        else:
            experiment = selectors.experiment_get(organization_id=org.pk, name=options["name"])
            if action == "stop":
                definitions.experiment_stop(experiment=experiment, actor=actor, today=organization_today(org))
        report = selectors.experiment_report(experiment=experiment)
        if options["json"]:
            self.emit_json(report)
            return
        for arm in report["arms"]:
            self.stdout.write(
                f"{arm['name']:<12} {arm['accounts']:>7} accounts  collected {arm['collected']:>12}  "
                f"liquidation {arm['liquidation_rate']:.4%}"
            )
        low, high = report["ci95"]
        self.stdout.write(f"lift {report['lift']}  95% CI [{low}, {high}]  {report['verdict']}")
