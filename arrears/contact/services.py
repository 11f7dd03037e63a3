"""Recording contact attempts. Outbound ones pass the compliance gate first (DESIGN rule 4)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.selectors import debtor_account_ids
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.services import AttemptSpec, attempt_record, attempts_record_many
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.compliance.services import GateRequest, decide, decide_many
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.debtors.choices import Channel
from arrears.debtors.services import debtor_lock
from arrears.tenancy.domain import Principal

from .errors import ContactError

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.attempts.models import ContactAttempt
    from arrears.debtors.models import ContactPoint, Debtor


@transaction.atomic
def contact_attempt_record(
    *,
    debtor: Debtor,
    channel: str,
    direction: str,
    outcome: str,
    accounts: Sequence[Account],
    actor: Principal,
    at: datetime | None = None,
    contact_point: ContactPoint | None = None,
    target: str = "",
    purpose: str = "collection",
    notes: str = "",
    override_reason: str = "",
) -> ContactAttempt:
    """Log one contact attempt on the debtor's timeline, with the debts it concerned.

    An outbound attempt is decided by ``compliance.services.decide`` for each account first. If any
    decision blocks (and is not overridden), the attempt is stored with outcome ``blocked`` and the
    blocking decision, and nothing may be sent: callers check ``attempt.blocked``.
    """
    if channel not in Channel.values:
        raise ArrearsError(ContactError.INVALID_CHANNEL, f"unknown channel {channel!r}")
    if direction not in Direction.values:
        raise ArrearsError(ContactError.INVALID_CHANNEL, f"unknown direction {direction!r}")
    if outcome not in Outcome.values or outcome == Outcome.BLOCKED:
        raise ArrearsError(ContactError.INVALID_OUTCOME, f"not an outcome to record: {outcome!r}")
    accounts = list(accounts)
    linked = set(debtor_account_ids(debtor=debtor, accounts=accounts))
    if any(a.pk not in linked or a.organization_id != actor.organization_id for a in accounts):
        raise ArrearsError(ContactError.NOT_THE_DEBTORS_ACCOUNT, "every account must be one of this debtor's")
    when = at or utcnow()
    # One debtor's attempts are decided one at a time: two collectors dialling at once must not both
    # slip under a frequency limit. (SQLite's IMMEDIATE transactions already serialize writers.)
    debtor_lock(debtor_id=debtor.pk)
    if contact_point is not None and not target:
        target = contact_point.value
    decision = None
    if direction == Direction.OUTBOUND:
        if not accounts:
            raise ArrearsError(ContactError.NO_ACCOUNT, "an outbound contact concerns at least one account")
        decisions = [
            decide(
                account=a,
                channel=channel,
                target=contact_point or target or None,
                purpose=purpose,
                at=when,
                actor=actor,
                debtor=debtor,
                override_reason=override_reason,
            )
            for a in accounts
        ]
        blocking = next((d for d in decisions if not d.proceeds), None)
        decision = blocking or decisions[0]
        if blocking is not None:
            outcome = Outcome.BLOCKED
    attempt = attempt_record(
        attempt=AttemptSpec(
            organization_id=debtor.organization_id,
            debtor_id=debtor.pk,
            contact_point_id=contact_point.pk if contact_point is not None else None,
            channel=channel,
            direction=direction,
            outcome=outcome,
            target=target,
            at=when,
            user_id=actor.user_id,
            decision_id=decision.pk if decision is not None else None,
            notes=notes,
            account_ids=[a.pk for a in accounts],
        )
    )
    account_ids: list[int | None] = [a.pk for a in accounts] or [None]
    for account_id in account_ids:
        audit_record(
            actor=actor,
            event=Event.CONTACT_ATTEMPT_BLOCKED if attempt.blocked else Event.CONTACT_ATTEMPT_RECORDED,
            subject_type="debtor",
            subject_id=debtor.pk,
            account_id=account_id,
            data={
                "attempt": attempt.pk,
                "channel": channel,
                "direction": direction,
                "outcome": outcome,
                "decision": decision.pk if decision else None,
            },
            at=None,
        )
    return attempt


@dataclass(frozen=True, slots=True)
class OutboundAttempt:
    """One outbound contact about one account, for `outbound_attempts_record_many`."""

    account: Account
    debtor: Debtor
    channel: str
    outcome: str
    contact_point: ContactPoint | None = None
    notes: str = ""


@transaction.atomic
def outbound_attempts_record_many(
    *, attempts: Sequence[OutboundAttempt], at: datetime, actor: Principal
) -> list[int]:
    """Log many outbound attempts made at one instant (a dialer's batch, the demo's history): each passes
    the compliance gate (`decide_many`: the facts of the batch read at once), a blocked one is stored as
    ``blocked`` with its decision, and each is audited, as `contact_attempt_record` does for one. An
    account appears at most once per batch, so that each decision sees the attempts before it."""
    if len({a.account.pk for a in attempts}) != len(attempts):
        raise ArrearsError(ContactError.NO_ACCOUNT, "an account appears twice in one batch of attempts")
    for a in attempts:
        if a.channel not in Channel.values:
            raise ArrearsError(ContactError.INVALID_CHANNEL, f"unknown channel {a.channel!r}")
        if a.outcome not in Outcome.values or a.outcome == Outcome.BLOCKED:
            raise ArrearsError(ContactError.INVALID_OUTCOME, f"not an outcome to record: {a.outcome!r}")
        if a.account.organization_id != actor.organization_id:
            raise ArrearsError(ContactError.NOT_THE_DEBTORS_ACCOUNT, "an account of another organization")
    results = decide_many(
        requests=[GateRequest(a.account, a.channel, a.contact_point, debtor=a.debtor) for a in attempts],
        at=at,
        actor=actor,
    )
    specs = [
        AttemptSpec(
            organization_id=a.debtor.organization_id,
            debtor_id=a.debtor.pk,
            contact_point_id=a.contact_point.pk if a.contact_point is not None else None,
            channel=a.channel,
            direction=Direction.OUTBOUND,
            outcome=a.outcome if r.allowed else Outcome.BLOCKED,
            target=a.contact_point.value if a.contact_point is not None else "",
            at=at,
            user_id=actor.user_id,
            decision_id=r.decision_id,
            notes=a.notes,
            account_ids=[a.account.pk],
        )
        for a, r in zip(attempts, results, strict=True)
    ]
    ids = attempts_record_many(attempts=specs)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CONTACT_ATTEMPT_RECORDED if r.allowed else Event.CONTACT_ATTEMPT_BLOCKED,
                subject_type="debtor",
                subject_id=a.debtor.pk,
                account_id=a.account.pk,
                data={
                    "attempt": pk,
                    "channel": a.channel,
                    "direction": Direction.OUTBOUND,
                    "outcome": spec.outcome,
                    "decision": r.decision_id,
                },
            )
            for a, r, spec, pk in zip(attempts, results, specs, ids, strict=True)
        ],
    )
    return ids
