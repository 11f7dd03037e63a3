"""Advancing accounts through their strategies: enrol, take the step that is due, record what it did.

Every action passes the compliance gate at the moment it is taken: messages through the outbox (the
gate decides when queued and again when sent; a held message goes out at `next_allowed_at`), the
other actions through `compliance.services.decide_many` here. A blocked action is recorded with its
reasons and the enrollment waits until `next_allowed_at` (the retry job takes it then).

One step per account per day. A step's effect, its record and the enrollment's move commit together,
so a re-run of the day, or a chunk taken over from a killed worker, finds the step done.
"""

from __future__ import annotations

import functools
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from arrears.accounts import selectors as account_selectors
from arrears.accounts import services as account_services
from arrears.accounts.domain import WORKABLE, aging_bucket, days_past_due
from arrears.attempts import selectors as attempt_selectors
from arrears.attempts import services as attempt_services
from arrears.compliance import selectors as compliance_selectors
from arrears.compliance.services import GateRequest, decide_many
from arrears.contact import selectors as contact_selectors
from arrears.contact.batch import messages_queue_many
from arrears.contact.messaging import template_current
from arrears.core.bulk import in_array, update_rows
from arrears.core.errors import ArrearsError
from arrears.core.money import Money, quantize
from arrears.payments import selectors as payment_selectors
from arrears.payments import services as payment_services
from arrears.tenancy import selectors as tenancy_selectors
from arrears.tenancy.domain import Principal

from . import domain
from .errors import StrategyError
from .models import Enrollment, Experiment, StepAction, Strategy, StrategyVersion

if TYPE_CHECKING:
    from arrears.accounts.models import Account

logger = logging.getLogger(__name__)

OWED = ("principal", "interest", "fees", "costs")
FINISHED_STATUSES = frozenset({"paid", "settled", "closed", "recalled"})
# What the gate decides for an action that is not a message (docs/strategies.md).
GATE_FOR: dict[str, tuple[str, str]] = {
    "call": ("call", "collection"),
    "settlement": ("letter", "collection"),
    "legal_review": ("letter", "lawsuit"),
    "assign_team": ("call", "collection"),
}


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as the segments and enrolment read it: every account of a chunk is read as one of these
    (a row, at a fraction of a model instance's cost); the ~10% that act on the day are read in full."""

    pk: int
    organization_id: int
    status: str
    debt_type: str
    jurisdiction_state: str
    client_code: str
    balance_principal: Decimal
    balance_interest: Decimal
    balance_fees: Decimal
    balance_costs: Decimal
    delinquent_since: date | None
    placed_on: date | None
    last_payment_on: date | None


ROW_FIELDS = tuple("client__code" if f.name == "client_code" else f.name for f in fields(AccountRow))


def owed(account: Account | AccountRow) -> Decimal:
    return sum((getattr(account, f"balance_{b}") for b in OWED), Decimal(0))


def _days(since: date | datetime | None, today: date) -> int | None:
    if since is None:
        return None
    day = since.date() if isinstance(since, datetime) else since
    return (today - day).days


def account_facts(
    *, organization_id: int, accounts: Sequence[Account | AccountRow], today: date
) -> dict[int, domain.AccountFacts]:
    """What the segments read, for many accounts in a fixed number of queries."""
    ids = [a.pk for a in accounts]
    last = attempt_selectors.attempts_last_by_account(account_ids=ids)
    arrangements = payment_selectors.arrangement_states(account_ids=ids)
    holds = compliance_selectors.hold_kinds_by_account(organization_id=organization_id, account_ids=ids)
    facts = {}
    for a in accounts:
        contact, rpc = last.get(a.pk, (None, None))
        promise, plan = arrangements.get(a.pk, ("none", "none"))
        facts[a.pk] = domain.AccountFacts(
            account_id=a.pk,
            status=a.status,
            debt_type=a.debt_type,
            state=a.jurisdiction_state,
            client=a.client_code if isinstance(a, AccountRow) else a.client.code,
            balance=owed(a),
            aging=str(aging_bucket(a.delinquent_since, today)),
            days_past_due=days_past_due(a.delinquent_since, today),
            days_since_placement=_days(a.placed_on, today),
            days_since_contact=_days(contact, today),
            days_since_payment=_days(a.last_payment_on, today),
            days_since_rpc=_days(rpc, today),
            promise=promise if promise in domain.PROMISE_STATES else "none",
            plan=plan if plan in domain.PLAN_STATES else "none",
            holds=frozenset(holds.get(a.pk, ())),
        )
    return facts


@dataclass
class Live:
    """The organization's live strategies (newest versions) and running experiments, read once a chunk."""

    strategies: list[tuple[Strategy, StrategyVersion, domain.Definition]]
    by_name: dict[str, tuple[Strategy, StrategyVersion, domain.Definition]]
    experiments: dict[int, Experiment]
    definitions: dict[int, domain.Definition] = field(default_factory=dict)

    def definition(self, version: StrategyVersion) -> domain.Definition:
        if version.pk not in self.definitions:
            self.definitions[version.pk] = domain.definition_from(version.definition)
        return self.definitions[version.pk]


def live_strategies(organization_id: int) -> Live:
    found = []
    for strategy in Strategy.objects.filter(organization_id=organization_id, active=True).order_by(
        "priority", "name"
    ):
        version = StrategyVersion.objects.filter(strategy=strategy).order_by("-version").first()
        if version is not None:
            found.append((strategy, version, domain.definition_from(version.definition)))
    by_name = {s.name: (s, v, d) for s, v, d in found}
    # An account that would enter any arm's strategy joins the experiment, and its arm decides.
    experiments: dict[int, Experiment] = {}
    for e in Experiment.objects.filter(organization_id=organization_id, status="running"):
        experiments[e.strategy_id] = e
        for arm in e.arms:
            if arm["strategy"] in by_name:
                experiments.setdefault(by_name[arm["strategy"]][0].pk, e)
    live = Live(found, by_name, experiments)
    for _, version, definition in found:
        live.definitions[version.pk] = definition
    return live


@dataclass(frozen=True, slots=True)
class Placement:
    """Where an account enrolls: the version, segment, and experiment arm."""

    version: StrategyVersion
    segment: domain.Segment
    experiment: Experiment | None
    arm: str


def placement_for(live: Live, facts: domain.AccountFacts) -> Placement | None:
    """The first live strategy (by priority) with a segment the account is in; when an experiment runs
    on that strategy, the arm its hash falls in decides which strategy works it."""
    for strategy, version, definition in live.strategies:
        segment = domain.segment_for(definition, facts)
        if segment is None:
            continue
        experiment = live.experiments.get(strategy.pk)
        if experiment is None:
            return Placement(version, segment, None, "")
        arms = experiment.arms
        arm = arms[domain.arm_for(experiment.name, facts.account_id, [a["share"] for a in arms])]
        target = live.by_name.get(arm["strategy"])
        if target is None:
            return Placement(version, segment, experiment, arms[0]["name"])
        _, arm_version, arm_definition = target
        arm_segment = domain.segment_for(arm_definition, facts) or arm_definition.segments[0]
        return Placement(arm_version, arm_segment, experiment, arm["name"])
    return None


# --- the day's work ------------------------------------------------------------------------------------


@dataclass
class Work:
    """An enrollment whose step is due, with its account."""

    enrollment: Enrollment
    account: Account
    step: domain.Step
    step_label: str


@dataclass
class AdvanceCounts:
    enrolled: int = 0
    steps_done: int = 0
    blocked: int = 0
    messages_queued: int = 0
    finished: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {
            "enrolled": self.enrolled,
            "steps_done": self.steps_done,
            "steps_blocked": self.blocked,
            "messages_queued": self.messages_queued,
            "strategies_finished": self.finished,
        }


def _open_accounts(organization_id: int, account_ids: Sequence[int]) -> list[Account]:
    return list(
        account_selectors.accounts_to_message(account_ids=list(account_ids), organization_id=organization_id)
    )


def _account_rows(organization_id: int, account_ids: Sequence[int]) -> list[AccountRow]:
    accounts = account_selectors.accounts_to_message(
        account_ids=list(account_ids), organization_id=organization_id
    )
    return [AccountRow(*row) for row in accounts.values_list(*ROW_FIELDS)]


def strategies_advance(
    *,
    organization_id: int,
    account_ids: Sequence[int],
    run_on: date,
    now: datetime,
    actor: Principal,
    live: Live | None = None,
) -> AdvanceCounts:
    """Enrol the chunk's new accounts and take each due step, batch by batch."""
    counts = AdvanceCounts()
    live = live or live_strategies(organization_id)
    accounts = {a.pk: a for a in _account_rows(organization_id, account_ids)}
    enrollments = {
        e.account_id: e
        for e in Enrollment.objects.filter(account_id__in=in_array(list(accounts))).select_related("version")
    }
    new = [a for pk, a in accounts.items() if pk not in enrollments and a.status in WORKABLE]
    if new and live.strategies:
        counts.enrolled = _enrol(organization_id, new, run_on, live, enrollments)
    due: list[tuple[Enrollment, domain.Step]] = []
    finished: list[int] = []
    for pk, enrollment in enrollments.items():
        account = accounts.get(pk)
        if account is None or enrollment.finished_on is not None:
            continue
        if enrollment.due_on > run_on or (enrollment.retry_at is not None and enrollment.retry_at > now):
            continue
        if account.status in FINISHED_STATUSES:
            finished.append(enrollment.pk)
            continue
        if account.status not in WORKABLE:
            continue  # disputed or on hold: the strategy waits
        step = live.definition(enrollment.version).step(enrollment.segment, enrollment.step_index)
        if step is None:
            finished.append(enrollment.pk)
            continue
        due.append((enrollment, step))
    if finished:
        counts.finished += Enrollment.objects.filter(pk__in=finished, finished_on__isnull=True).update(
            finished_on=run_on
        )
    # The accounts that act, in full: messages render them, the gate reads them.
    full = {a.pk: a for a in _open_accounts(organization_id, [e.account_id for e, _ in due])} if due else {}
    groups: dict[tuple[str, str, str], list[Work]] = defaultdict(list)
    for enrollment, step in due:
        if (acting := full.get(enrollment.account_id)) is not None:
            groups[(step.action, step.template, step.team)].append(
                Work(enrollment, acting, step, step.label())
            )
    for (action, _, _), works in groups.items():
        try:
            _take(action, works, run_on=run_on, now=now, actor=actor, counts=counts)
        except Exception as exc:  # a failing batch is recorded; the others still run, and it runs again
            logger.exception("strategy step %s failed", action)
            code = exc.code if isinstance(exc, ArrearsError) else type(exc).__name__
            counts.errors.append(
                {
                    "step": action,
                    "accounts": [w.account.pk for w in works][:20],
                    "code": code,
                    "message": str(exc),
                }
            )
    return counts


def _enrol(
    organization_id: int,
    accounts: list[AccountRow],
    run_on: date,
    live: Live,
    enrollments: dict[int, Enrollment],
) -> int:
    facts = account_facts(organization_id=organization_id, accounts=accounts, today=run_on)
    rows = []
    for a in accounts:
        placement = placement_for(live, facts[a.pk])
        if placement is None:
            continue
        first = placement.segment.steps[0]
        rows.append(
            Enrollment(
                organization_id=organization_id,
                account_id=a.pk,
                version=placement.version,
                segment=placement.segment.name,
                experiment=placement.experiment,
                arm=placement.arm,
                owed_at_enrollment=owed(a),
                enrolled_on=run_on,
                step_index=0,
                due_on=run_on + timedelta(days=first.wait_days),
            )
        )
    # A row another worker inserted first is skipped: the account keeps the enrollment it got.
    Enrollment.objects.bulk_create(rows, ignore_conflicts=True)
    for e in Enrollment.objects.filter(account_id__in=in_array([r.account_id for r in rows])).select_related(
        "version"
    ):
        enrollments[e.account_id] = e
    return len(rows)


@functools.cache
def _definition_of(version_id: int, data_key: str) -> domain.Definition:
    """A version's definition, parsed once per process (versions are never edited)."""
    import json

    return domain.definition_from(json.loads(data_key))


def _definition(version: StrategyVersion) -> domain.Definition:
    import json

    return _definition_of(version.pk, json.dumps(version.definition, sort_keys=True))


def _advance(works: Iterable[Work], run_on: date) -> None:
    """Move each enrollment past its step: the next is due after its wait, at the earliest the next day
    (one step per account per day)."""
    updates = []
    for w in works:
        e = w.enrollment
        e.step_index += 1
        e.retry_at = None
        nxt = _definition(e.version).step(e.segment, e.step_index)
        e.due_on = run_on + timedelta(days=max(1, nxt.wait_days if nxt is not None else 1))
        updates.append(e)
    update_rows(
        Enrollment,
        {e.pk: {"step_index": e.step_index, "retry_at": e.retry_at, "due_on": e.due_on} for e in updates},
        ["step_index", "retry_at", "due_on"],
    )


def _record(
    works: Sequence[Work],
    *,
    run_on: date,
    now: datetime,
    status: str,
    detail: dict[int, dict[str, Any]] | None = None,
    reasons: dict[int, tuple[list[dict[str, Any]], datetime | None]] | None = None,
) -> None:
    StepAction.objects.bulk_create(
        [
            StepAction(
                organization_id=w.account.organization_id,
                enrollment=w.enrollment,
                account_id=w.account.pk,
                step_index=w.enrollment.step_index,
                action=w.step.action,
                run_on=run_on,
                at=now,
                status=status,
                reasons=(reasons or {}).get(w.account.pk, ([], None))[0],
                next_allowed_at=(reasons or {}).get(w.account.pk, ([], None))[1],
                detail=(detail or {}).get(w.account.pk, {}),
            )
            for w in works
        ]
    )


def _block(works: Sequence[Work], results: dict[int, Any], *, run_on: date, now: datetime) -> None:
    """Record a blocked step and hold the enrollment until the gate may allow it: `next_allowed_at`,
    or, where waiting cannot clear the block (a cease request), the next day's run."""
    _record(
        works,
        run_on=run_on,
        now=now,
        status="blocked",
        reasons={
            w.account.pk: (results[w.account.pk].reasons, results[w.account.pk].next_allowed_at)
            for w in works
        },
    )
    updates = []
    for w in works:
        nxt = results[w.account.pk].next_allowed_at
        w.enrollment.retry_at = nxt if nxt is not None else now + timedelta(days=1)
        w.enrollment.due_on = run_on
        updates.append(w.enrollment)
    update_rows(
        Enrollment,
        {e.pk: {"retry_at": e.retry_at, "due_on": e.due_on} for e in updates},
        ["retry_at", "due_on"],
    )


def _gate(works: Sequence[Work], action: str, *, now: datetime, actor: Principal) -> dict[int, Any]:
    channel, purpose = GATE_FOR[action]
    results = decide_many(
        requests=[GateRequest(account=w.account, channel=channel, purpose=purpose) for w in works],
        at=now,
        actor=actor,
    )
    return {w.account.pk: r for w, r in zip(works, results, strict=True)}


def _take(
    action: str, works: list[Work], *, run_on: date, now: datetime, actor: Principal, counts: AdvanceCounts
) -> None:
    with transaction.atomic():
        # Lock the enrollments: a second worker on the same accounts (a reclaimed chunk) waits, then
        # finds the step taken.
        locked = set(
            Enrollment.objects.select_for_update()
            .filter(
                pk__in=[w.enrollment.pk for w in works],
                step_index__in={w.enrollment.step_index for w in works},
            )
            .values_list("pk", "step_index")
        )
        works = [w for w in works if (w.enrollment.pk, w.enrollment.step_index) in locked]
        if not works:
            return
        if action == "stop":
            _record(works, run_on=run_on, now=now, status="done")
            Enrollment.objects.filter(pk__in=[w.enrollment.pk for w in works]).update(finished_on=run_on)
            counts.steps_done += len(works)
            counts.finished += len(works)
            return
        if action in domain.MESSAGE_ACTIONS:
            _send(works, action, run_on=run_on, now=now, actor=actor, counts=counts)
        else:
            results = _gate(works, action, now=now, actor=actor)
            allowed = [w for w in works if results[w.account.pk].allowed]
            blocked = [w for w in works if not results[w.account.pk].allowed]
            if blocked:
                _block(blocked, results, run_on=run_on, now=now)
                counts.blocked += len(blocked)
            if allowed:
                detail = _act(action, allowed, run_on=run_on, now=now, actor=actor)
                _record(allowed, run_on=run_on, now=now, status="done", detail=detail)
                _advance(allowed, run_on)
                counts.steps_done += len(allowed)


def _send(
    works: list[Work], action: str, *, run_on: date, now: datetime, actor: Principal, counts: AdvanceCounts
) -> None:
    template = template_current(
        organization_id=actor.organization_id, key=works[0].step.template, channel=action
    )
    summary = messages_queue_many(
        template=template,
        accounts=[w.account for w in works],
        actor=actor,
        at=now,
        release_when_allowed=True,
    )
    by_account = {
        account_id: (pk, status, reasons, next_at)
        for pk, account_id, status, reasons, next_at in contact_selectors.messages_brief(
            message_ids=summary.message_ids
        )
    }
    counts.messages_queued += len(summary.message_ids)
    sent, held, skipped = [], [], []
    for w in works:
        found = by_account.get(w.account.pk)
        if found is None:
            skipped.append(w)
        elif found[1] == "pending":
            sent.append(w)
        else:
            held.append(w)
    detail = {
        a: {"message": v[0], "template": template.key, "version": template.version}
        for a, v in by_account.items()
    }
    _record(sent, run_on=run_on, now=now, status="done", detail=detail)
    # Held by the gate: the outbox sends it at `next_allowed_at`, deciding again then.
    _record(
        held,
        run_on=run_on,
        now=now,
        status="held",
        detail=detail,
        reasons={a: (v[2], v[3]) for a, v in by_account.items()},
    )
    _record(
        skipped,
        run_on=run_on,
        now=now,
        status="skipped",
        detail={w.account.pk: {"reason": "no_contact_point"} for w in skipped},
    )
    counts.steps_done += len(sent) + len(held)
    counts.blocked += len(held)
    _advance([*sent, *held, *skipped], run_on)


def _act(
    action: str, works: list[Work], *, run_on: date, now: datetime, actor: Principal
) -> dict[int, dict[str, Any]]:
    """The allowed non-message actions, through the owning apps' services."""
    detail: dict[int, dict[str, Any]] = {}
    if action == "call":
        from arrears.attempts.services import CallRequestIn

        made = attempt_services.call_requests_add_many(
            organization_id=actor.organization_id,
            requests=[
                CallRequestIn(
                    account_id=w.account.pk, due_at=now, reason=w.step.reason or "strategy", source="strategy"
                )
                for w in works
            ],
            actor=actor,
        )
        for w in works:
            detail[w.account.pk] = {"call_requests": made}
    elif action == "settlement":
        for w in works:
            balance = owed(w.account)
            amount = quantize(balance * (100 - w.step.discount_pct) / 100, w.account.currency)
            try:
                offer = payment_services.settlement_offer(
                    account=w.account,
                    amount=Money(amount, w.account.currency),
                    expires_on=run_on + timedelta(days=w.step.expires_days),
                    actor=actor,
                    today=run_on,
                )
                detail[w.account.pk] = {"settlement": offer.pk, "status": offer.status}
            except ArrearsError as exc:  # beyond the limits or nothing owed: recorded, the strategy goes on
                detail[w.account.pk] = {"refused": exc.code}
    elif action == "legal_review":
        for w in works:
            try:
                account_services.account_transition(
                    account=w.account,
                    to="legal",
                    actor=actor,
                    reason=w.step.reason or "strategy: legal review",
                )
                detail[w.account.pk] = {"status": "legal"}
            except ArrearsError as exc:
                detail[w.account.pk] = {"refused": exc.code}
    elif action == "assign_team":
        teams = {t.name: t.pk for t in tenancy_selectors.teams_for(actor.organization_id)}
        team_id = teams.get(works[0].step.team)
        if team_id is None:
            raise ArrearsError(StrategyError.NOT_FOUND, f"no team {works[0].step.team!r}")
        account_services.accounts_assign(
            account_ids=[w.account.pk for w in works], team_id=team_id, actor=actor
        )
        for w in works:
            detail[w.account.pk] = {"team": team_id}
    return detail


# --- retries and the preview ---------------------------------------------------------------------------


def retries_due(*, now: datetime, limit: int = 5000) -> dict[int, list[int]]:
    """Accounts whose blocked step may be tried again now, by organization."""
    found: dict[int, list[int]] = defaultdict(list)
    for org_id, account_id in (
        Enrollment.objects.filter(finished_on__isnull=True, retry_at__lte=now)
        .order_by("retry_at")
        .values_list("organization_id", "account_id")[:limit]
    ):
        found[org_id].append(account_id)
    return dict(found)


def strategies_preview(*, organization_id: int, account_ids: Sequence[int], run_on: date) -> dict[str, Any]:
    """What a nightly run on `run_on` would do, writing nothing: the accounts that would act, per segment
    and per step, with a few sample account references."""
    live = live_strategies(organization_id)
    accounts = {a.pk: a for a in _open_accounts(organization_id, account_ids)}
    enrollments = {
        e.account_id: e
        for e in Enrollment.objects.filter(account_id__in=list(accounts))
        .filter(Q(finished_on__isnull=True))
        .select_related("version", "version__strategy")
    }
    per_step: dict[str, int] = defaultdict(int)
    per_segment: dict[str, int] = defaultdict(int)
    samples: dict[str, list[str]] = defaultdict(list)
    acting = 0

    def add(strategy: str, segment: str, step: domain.Step, index: int, account: Account) -> None:
        nonlocal acting
        key = f"{strategy}/{segment}/{index + 1}:{step.label()}"
        per_step[key] += 1
        per_segment[f"{strategy}/{segment}"] += 1
        if len(samples[key]) < 5:
            samples[key].append(account.reference)
        acting += 1

    new = [a for pk, a in accounts.items() if pk not in enrollments and a.status in WORKABLE]
    all_enrolled = set(
        Enrollment.objects.filter(account_id__in=[a.pk for a in new]).values_list("account_id", flat=True)
    )
    new = [a for a in new if a.pk not in all_enrolled]
    if new and live.strategies:
        facts = account_facts(organization_id=organization_id, accounts=new, today=run_on)
        for a in new:
            placement = placement_for(live, facts[a.pk])
            if placement is None:
                continue
            first = placement.segment.steps[0]
            if first.wait_days == 0:
                add(placement.version.strategy.name, placement.segment.name, first, 0, a)
    for pk, e in enrollments.items():
        account = accounts[pk]
        if e.due_on > run_on or account.status not in WORKABLE:
            continue
        step = live.definition(e.version).step(e.segment, e.step_index)
        if step is not None:
            add(e.version.strategy.name, e.segment, step, e.step_index, account)
    return {
        "accounts": acting,
        "segments": [{"segment": k, "accounts": v} for k, v in sorted(per_segment.items())],
        "steps": [{"step": k, "accounts": v, "sample": samples[k]} for k, v in sorted(per_step.items())],
    }
