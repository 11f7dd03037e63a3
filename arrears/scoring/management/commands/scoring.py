"""`arrears scoring train|score`: train the next propensity model version, or rescore accounts.

`train --json` prints {"model_version", "auc", "brier", "n_train", "n_test", "fallback"} (and "reason"
when it fell back to the heuristic for too little data). Exit 0 either way; 2 on usage errors.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.core.clock import utcnow
from arrears.core.management.base import ArrearsCommand
from arrears.scoring.services import accounts_score, model_retrain, organization_today
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve

from ._scoring_cli import add_json


class Command(ArrearsCommand):
    help = "Propensity-to-pay models: train the next version (and rescore), or rescore with the current one."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        for name, text in (
            ("train", "train and store the next model version, then rescore"),
            ("score", "rescore"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--org", help="organization slug (optional when there is only one)")
            add_json(p)

    def handle(self, *args: Any, **options: Any) -> None:
        org = organization_resolve(slug=options.get("org"))
        actor = system_principal(org.pk, "cli")
        now = utcnow()
        if options["subcommand"] == "score":
            n = accounts_score(organization_id=org.pk, at=now)
            if options["json"]:
                self.emit_json({"scored": n})
            else:
                self.stdout.write(f"scored {n} accounts")
            return
        self.info(f"training on {org.slug}'s history…")
        model = model_retrain(
            organization_id=org.pk, today=organization_today(organization_id=org.pk, at=now), actor=actor
        )
        out: dict[str, Any] = {
            "model_version": model.version,
            "auc": model.metrics.get("auc"),
            "brier": model.metrics.get("brier"),
            "n_train": model.n_train,
            "n_test": model.n_test,
            "fallback": model.fallback,
        }
        if model.fallback:
            out["reason"] = model.reason
        if options["json"]:
            self.emit_json(out)
            return
        auc = "n/a" if out["auc"] is None else f"{out['auc']:.3f}"
        kind = f"heuristic ({model.reason})" if model.fallback else "model"
        self.stdout.write(f"v{model.version}: {kind}; AUC {auc}; {model.n_train} train / {model.n_test} test")
