"""Reads of the work that spans the apps: the nightly runs, as the CLI (and later the API) prints them."""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from arrears.attempts import selectors as attempt_selectors
from arrears.core.errors import NotFound
from arrears.core.money import quantize
from arrears.payments import selectors as payment_selectors

from . import domain
from .errors import ExperimentError, StrategyError
from .models import Enrollment, Experiment, NightlyRun, StepAction, Strategy, StrategyVersion


def nightly_read(run: NightlyRun) -> dict[str, Any]:
    return {
        "organization": run.organization.slug,
        "date": run.run_on.isoformat(),
        "status": run.status,
        "counts": run.counts,
        "errors": run.errors,
        "finished_at": run.finished_at.isoformat().replace("+00:00", "Z") if run.finished_at else None,
    }


def nightly_summary(runs: list[NightlyRun]) -> dict[str, Any]:
    """The `arrears nightly --json` contract: date, accounts, messages queued and ledger entries (summed
    over the organizations run), with each run's own record in `runs`."""
    total = {"accounts": 0, "messages_queued": 0, "ledger_entries": 0}
    for run in runs:
        total["accounts"] += int(run.counts.get("accounts", 0))
        total["messages_queued"] += int(run.counts.get("messages_total", 0))
        total["ledger_entries"] += int(run.counts.get("ledger_entries", 0))
    dates = sorted({run.run_on.isoformat() for run in runs})
    return {
        "date": dates[0] if len(dates) == 1 else dates,
        **total,
        "status": "completed" if all(r.status == "completed" for r in runs) else "failed",
        "runs": [nightly_read(r) for r in runs],
    }


def strategy_list(*, organization_id: int) -> list[dict[str, Any]]:
    rows = []
    for s in Strategy.objects.filter(organization_id=organization_id).order_by("priority", "name"):
        latest = StrategyVersion.objects.filter(strategy=s).order_by("-version").first()
        rows.append(
            {
                "id": s.pk,
                "name": s.name,
                "description": s.description,
                "priority": s.priority,
                "active": s.active,
                "version": latest.version if latest else None,
                "enrolled": Enrollment.objects.filter(version__strategy=s, finished_on__isnull=True).count(),
            }
        )
    return rows


def strategy_get(*, organization_id: int, name: str) -> Strategy:
    found = Strategy.objects.filter(organization_id=organization_id, name=name).first()
    if found is None:
        raise NotFound(StrategyError.NOT_FOUND, f"no strategy {name!r}")
    return found


def strategy_latest(*, strategy: Strategy) -> StrategyVersion | None:
    return StrategyVersion.objects.filter(strategy=strategy).order_by("-version").first()


def strategy_versions(*, strategy: Strategy) -> list[StrategyVersion]:
    return list(StrategyVersion.objects.filter(strategy=strategy).order_by("-version"))


def experiment_list(*, organization_id: int) -> list[Experiment]:
    return list(Experiment.objects.filter(organization_id=organization_id).order_by("-started_on", "name"))


def experiment_get(*, organization_id: int, name: str) -> Experiment:
    found = Experiment.objects.filter(organization_id=organization_id, name=name).first()
    if found is None:
        raise NotFound(ExperimentError.NOT_FOUND, f"no experiment {name!r}")
    return found


def experiment_report(*, experiment: Experiment) -> dict[str, Any]:
    """Per arm: accounts, contacts, right-party contacts, promises, money collected since the experiment
    started and the liquidation rate (collected / owed at enrollment); the challenger's lift over the
    champion with its 95% interval (domain.lift_interval), and whether it is significant yet."""
    since = experiment.started_on
    since_at = datetime.combine(since, time.min, tzinfo=UTC)
    enrollments = list(
        Enrollment.objects.filter(experiment=experiment).values_list(
            "account_id", "arm", "owed_at_enrollment"
        )
    )
    ids = [a for a, _, _ in enrollments]
    collected = payment_selectors.collected_by_account(account_ids=ids, since=since)
    contacts = attempt_selectors.attempts_counts_by_account(account_ids=ids, since=since_at)
    promises = payment_selectors.promises_made_count(account_ids=ids, since=since)
    outcomes: dict[str, tuple[list[Decimal], list[Decimal]]] = {a["name"]: ([], []) for a in experiment.arms}
    arms = []
    for arm in experiment.arms:
        members = [(a, o) for a, name, o in enrollments if name == arm["name"]]
        owed = [o for _, o in members]
        paid = [collected.get(a, Decimal(0)) for a, _ in members]
        outcomes[arm["name"]] = (owed, paid)
        outcome = domain.ArmOutcome(owed, paid)
        arms.append(
            {
                "name": arm["name"],
                "strategy": arm["strategy"],
                "share": arm["share"],
                "accounts": len(members),
                "contacts": sum(contacts.get(a, (0, 0))[0] for a, _ in members),
                "right_party_contacts": sum(contacts.get(a, (0, 0))[1] for a, _ in members),
                "promises": sum(promises.get(a, 0) for a, _ in members),
                "collected": str(quantize(sum(paid, Decimal(0)), experiment.organization.currency)),
                "liquidation_rate": round(domain.liquidation_rate(outcome), 6),
            }
        )
    champion = domain.ArmOutcome(*outcomes[experiment.arms[0]["name"]])
    challenger = domain.ArmOutcome(*outcomes[experiment.arms[1]["name"]])
    lift = domain.lift_interval(champion, challenger)

    def num(x: float) -> float | None:
        return round(x, 6) if math.isfinite(x) else None

    if not math.isfinite(lift.low):
        verdict = "not enough accounts in each arm yet to tell"
        return {
            "experiment": experiment.name, "status": experiment.status, "started_on": since.isoformat(),
            "arms": arms, "lift": None, "ci95": [None, None], "significant": False, "verdict": verdict,
        }  # fmt: skip
    if lift.significant:
        verdict = "significant: the challenger " + ("collects more" if lift.lift > 0 else "collects less")
    else:
        verdict = "not significant yet: the 95% interval includes no difference"
    return {
        "experiment": experiment.name,
        "status": experiment.status,
        "started_on": since.isoformat(),
        "arms": arms,
        "lift": num(lift.lift),
        "ci95": [num(lift.low), num(lift.high)],
        "significant": lift.significant,
        "verdict": verdict,
    }


def nightly_runs_recent(*, organization_id: int, limit: int = 10) -> list[NightlyRun]:
    return list(NightlyRun.objects.filter(organization_id=organization_id).order_by("-run_on")[:limit])


def blocked_steps_recent(*, organization_id: int, limit: int = 20) -> list[StepAction]:
    return list(
        StepAction.objects.filter(organization_id=organization_id, status__in=["blocked", "held"]).order_by(
            "-at"
        )[:limit]
    )


def schedule_times(*, organization_id: int) -> dict[str, str]:
    from .models import Schedule

    found = Schedule.objects.filter(organization_id=organization_id).first()
    if found is None:
        return {"nightly_at": "02:00", "letters_at": "16:00"}
    return {"nightly_at": f"{found.nightly_at:%H:%M}", "letters_at": f"{found.letters_at:%H:%M}"}
