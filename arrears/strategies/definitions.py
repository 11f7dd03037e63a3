"""Writes for what managers set: strategies (versioned), experiments and the organization's schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time

from django.db import transaction
from django.db.models import Max

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.contact.messaging import template_current
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.tenancy.domain import Principal

from . import domain
from .errors import ExperimentError, ScheduleError, StrategyError
from .models import Experiment, Schedule, Strategy, StrategyVersion

DEFAULT_NIGHTLY_AT = time(2, 0)
DEFAULT_LETTERS_AT = time(16, 0)


def _parse(source: str) -> domain.Definition:
    try:
        return domain.definition_parse(source)
    except domain.DefinitionProblem as exc:
        raise ArrearsError(StrategyError.INVALID, str(exc), problems=exc.problems) from None


@transaction.atomic
def strategy_save(*, organization_id: int, source: str, actor: Principal) -> StrategyVersion:
    """Save a strategy file as the strategy's next version, which becomes live for accounts enrolled from
    now on; accounts already enrolled stay on their version. Saving the same text again adds nothing."""
    definition = _parse(source)
    missing = [
        f"segments {seg.name!r}: no {step.action} template {step.template!r}"
        for seg in definition.segments
        for step in seg.steps
        if step.action in domain.MESSAGE_ACTIONS and not _template_exists(organization_id, step)
    ]
    if missing:
        raise ArrearsError(StrategyError.INVALID, "; ".join(missing), problems=missing)
    strategy, _ = Strategy.objects.select_for_update().get_or_create(
        organization_id=organization_id, name=definition.name
    )
    latest = StrategyVersion.objects.filter(strategy=strategy).order_by("-version").first()
    if latest is not None and latest.source == source:
        return latest
    version = (StrategyVersion.objects.filter(strategy=strategy).aggregate(v=Max("version"))["v"] or 0) + 1
    strategy.description, strategy.priority, strategy.active = (
        definition.description,
        definition.priority,
        True,
    )
    strategy.save(update_fields=["description", "priority", "active", "updated_at"])
    saved = StrategyVersion.objects.create(
        organization_id=organization_id,
        strategy=strategy,
        version=version,
        source=source,
        definition=domain.definition_to_data(definition),
        created_at=utcnow(),
        created_by_label=actor.label or f"user:{actor.user_id}",
    )
    audit_record(
        actor=actor,
        event=Event.STRATEGY_SAVED,
        subject_type="strategy",
        subject_id=strategy.pk,
        data={"name": strategy.name, "version": version},
    )
    return saved


def _template_exists(organization_id: int, step: domain.Step) -> bool:
    try:
        template_current(organization_id=organization_id, key=step.template, channel=step.action)
    except NotFound:
        return False
    return True


def _strategy(organization_id: int, name: str) -> Strategy:
    found = Strategy.objects.filter(organization_id=organization_id, name=name).first()
    if found is None:
        raise NotFound(StrategyError.NOT_FOUND, f"no strategy {name!r}")
    return found


@transaction.atomic
def experiment_start(
    *,
    organization_id: int,
    name: str,
    arms: Sequence[tuple[str, str, int]],
    actor: Principal,
    today: date,
) -> Experiment:
    """Split the accounts entering the first arm's strategy (the champion) between `arms`
    (arm name, strategy name, share in whole percent, summing to 100) from today on."""
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ArrearsError(ExperimentError.INVALID, "name: letters, digits, '-' or '_'")
    if len(arms) < 2:
        raise ArrearsError(
            ExperimentError.INVALID, "an experiment has a champion and at least one challenger"
        )
    if sum(share for _, _, share in arms) != 100 or any(share <= 0 for _, _, share in arms):
        raise ArrearsError(ExperimentError.INVALID, "the shares are positive and sum to 100")
    if len({arm for arm, _, _ in arms}) != len(arms):
        raise ArrearsError(ExperimentError.INVALID, "each arm has its own name")
    strategies = [_strategy(organization_id, strategy) for _, strategy, _ in arms]
    if Experiment.objects.filter(organization_id=organization_id, name=name).exists():
        raise Conflict(ExperimentError.NAME_TAKEN, f"an experiment {name!r} exists")
    if Experiment.objects.filter(
        organization_id=organization_id, strategy=strategies[0], status="running"
    ).exists():
        raise Conflict(ExperimentError.INVALID, f"{strategies[0].name!r} already has a running experiment")
    experiment = Experiment.objects.create(
        organization_id=organization_id,
        name=name,
        strategy=strategies[0],
        arms=[{"name": arm, "strategy": s, "share": share} for arm, s, share in arms],
        started_on=today,
        created_by_label=actor.label or f"user:{actor.user_id}",
    )
    audit_record(
        actor=actor,
        event=Event.EXPERIMENT_STARTED,
        subject_type="experiment",
        subject_id=experiment.pk,
        data={"name": name, "arms": experiment.arms},
    )
    return experiment


@transaction.atomic
def experiment_stop(*, experiment: Experiment, actor: Principal, today: date) -> Experiment:
    """No new accounts join it; the ones in it stay in their arms (the report keeps counting them)."""
    if experiment.status == "running":
        experiment.status, experiment.stopped_on = "stopped", today
        experiment.save(update_fields=["status", "stopped_on", "updated_at"])
        audit_record(
            actor=actor,
            event=Event.EXPERIMENT_STOPPED,
            subject_type="experiment",
            subject_id=experiment.pk,
            data={"name": experiment.name},
        )
    return experiment


@transaction.atomic
def schedule_set(*, organization_id: int, nightly_at: time, letters_at: time, actor: Principal) -> Schedule:
    """The local times (in the organization's time zone) of its nightly run and its letter printing."""
    if nightly_at.tzinfo is not None or letters_at.tzinfo is not None:
        raise ArrearsError(ScheduleError.INVALID, "times are local wall-clock times, without a zone")
    schedule, _ = Schedule.objects.update_or_create(
        organization_id=organization_id,
        defaults={"nightly_at": nightly_at.replace(second=0, microsecond=0), "letters_at": letters_at},
    )
    audit_record(
        actor=actor,
        event=Event.SCHEDULE_CHANGED,
        subject_type="schedule",
        subject_id=organization_id,
        data={"nightly_at": nightly_at.isoformat(), "letters_at": letters_at.isoformat()},
    )
    return schedule
