"""Writes for compliance: the gate's decisions (``decide``, ``decide_many``), holds, and validation
notices."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import connection, transaction

from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, PermissionDenied
from arrears.tenancy.domain import Principal

from .choices import ACCOUNT_ONLY_HOLDS, HoldKind
from .domain import evaluate
from .errors import ComplianceError
from .facts import ActionChannel, Purpose
from .gather import facts_bases
from .models import ContactPolicy, Decision, Hold, ValidationNotice
from .policy import DEFAULT_POLICY, policy_problems
from .scenario import decision_to_json, facts_to_json

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import ContactPoint, Debtor


@dataclass(frozen=True, slots=True)
class GateRequest:
    """One proposed contact for the gate. ``override_reason`` overrides a block (audited), for a
    principal allowed to ``override_compliance``."""

    account: Account
    channel: str
    target: ContactPoint | str | None = None
    purpose: str = Purpose.COLLECTION
    debtor: Debtor | None = None
    override_reason: str = ""


@dataclass(frozen=True, slots=True)
class GateResult:
    decision_id: int
    allowed: bool
    reasons: list[dict[str, Any]]
    requirements: list[dict[str, Any]]
    next_allowed_at: datetime | None
    debtor_id: int
    contact_point: ContactPoint | None
    target: str


_CHANNELS = frozenset(ActionChannel)
_PURPOSES = frozenset(Purpose)


@transaction.atomic
def decide(
    *,
    account: Account,
    channel: str,
    target: str | ContactPoint | None = None,
    purpose: str = Purpose.COLLECTION,
    at: datetime | None = None,
    actor: Principal,
    debtor: Debtor | None = None,
    override_reason: str = "",
) -> Decision:
    """The compliance gate: decide one proposed contact from the stored facts, and keep the decision.

    Every outbound contact calls this at the moment it happens: ``decide_many`` with a batch of one.
    A blocked decision can be overridden only by a principal allowed to ``override_compliance``, with a
    reason; both are audited.
    """
    request = GateRequest(account, channel, target, purpose, debtor, override_reason)
    [(pk, row, _)] = _decide_and_store(requests=[request], at=at, actor=actor, audit=None)
    stored = {"id": pk, **row}
    fields = Decision._meta.concrete_fields  # from_db takes the values in the fields' order
    decision = Decision.from_db(
        connection.alias, [f.attname for f in fields], [stored[f.attname] for f in fields]
    )
    decision.account = account
    return decision


@transaction.atomic
def decide_many(
    *,
    requests: Sequence[GateRequest],
    at: datetime,
    actor: Principal,
    audit: list[AuditSpec] | None = None,
) -> list[GateResult]:
    """The compliance gate for many contacts at once (a nightly run, a letter batch): every request
    decided as ``decide`` would, the facts of the whole batch read in a fixed number of queries
    (``compliance.gather.facts_bases``), decided by the pure engine, and the decisions and their audit
    events stored with one insert each (``COPY`` on PostgreSQL).

    With ``audit``, the audit events are appended to it for the caller to record with its own, at the
    end of its transaction: recording locks the organization's audit chain until the commit, and a
    batch that locks it first holds every other worker of the organization up while it renders."""
    return [result for _, _, result in _decide_and_store(requests=requests, at=at, actor=actor, audit=audit)]


def _decide_and_store(
    *,
    requests: Sequence[GateRequest],
    at: datetime | None,
    actor: Principal,
    audit: list[AuditSpec] | None,
) -> list[tuple[int, dict[str, Any], GateResult]]:
    """The gate's one path: validate, read the facts, decide, store the decisions and audit them.
    Returns each decision's id, its stored row and its result, in the order of ``requests``."""
    if not requests:
        return []
    for r in requests:
        if r.channel not in _CHANNELS:
            raise ArrearsError(ComplianceError.INVALID_CHANNEL, f"unknown channel {r.channel!r}")
        if r.purpose not in _PURPOSES:
            raise ArrearsError(ComplianceError.INVALID_CHANNEL, f"unknown purpose {r.purpose!r}")
    decided_at = utcnow()
    at = at or decided_at
    bases = facts_bases(requests=requests, at=at)
    label = actor.label or (f"user:{actor.user_id}" if actor.user_id else "system")
    may_override = any(r.override_reason.strip() for r in requests) and actor.can("override_compliance")
    # Everything that may read the database first (a text target's contact point): the decisions are
    # then made as their rows stream to PostgreSQL, which stores one while the next is decided.
    actions = [
        base.for_action(channel=r.channel, target=r.target, purpose=r.purpose)
        for r, base in zip(requests, bases, strict=True)
    ]
    rows: list[dict[str, Any]] = []
    found: list[tuple[dict[str, Any], datetime | None, int, ContactPoint | None, str]] = []

    def decided() -> Iterator[dict[str, Any]]:
        for r, base, (facts, point) in zip(requests, bases, actions, strict=True):
            outcome = evaluate(facts, now=at)
            result = decision_to_json(outcome)
            reason = r.override_reason.strip()
            overridden = bool(reason) and not result["allowed"]
            if overridden and not may_override:
                raise PermissionDenied(
                    ComplianceError.OVERRIDE_FORBIDDEN, "your role may not override a compliance block"
                )
            row = {
                "organization_id": r.account.organization_id,
                "account_id": r.account.pk,
                "debtor_id": base.debtor_id,
                "channel": r.channel,
                "target": facts.action.target or "",
                "purpose": r.purpose,
                "at": at,
                "decided_at": decided_at,
                "allowed": result["allowed"],
                "reasons": result["reasons"],
                "requirements": result["requirements"],
                "next_allowed_at": outcome.next_allowed_at,
                "facts": facts_to_json(facts, now=at),
                "actor_user_id": actor.user_id,
                "actor_label": label,
                "overridden": overridden,
                "override_reason": reason if overridden else "",
            }
            rows.append(row)
            found.append((result, outcome.next_allowed_at, base.debtor_id, point, facts.action.target or ""))
            yield row

    ids = insert_rows(Decision, decided(), count=len(requests))
    events = [_decided_event(pk, row) for pk, row in zip(ids, rows, strict=True)]
    if audit is None:
        audit_record_many(actor=actor, events=events)
    else:
        audit.extend(events)
    return [
        (pk, row, GateResult(pk, res["allowed"], res["reasons"], res["requirements"], nxt, debtor, point, to))
        for pk, row, (res, nxt, debtor, point, to) in zip(ids, rows, found, strict=True)
    ]


def _decided_event(pk: int, row: dict[str, Any]) -> AuditSpec:
    overridden = row["overridden"]
    return AuditSpec(
        event=Event.COMPLIANCE_OVERRIDDEN if overridden else Event.COMPLIANCE_DECIDED,
        subject_type="account",
        subject_id=row["account_id"],
        account_id=row["account_id"],
        data={
            "decision": pk,
            "channel": row["channel"],
            "purpose": row["purpose"],
            "allowed": row["allowed"],
            "codes": [x["code"] for x in row["reasons"]],
            **({"override_reason": row["override_reason"]} if overridden else {}),
        },
    )


@transaction.atomic
def hold_place(
    *,
    kind: str,
    actor: Principal,
    account: Account | None = None,
    debtor: Debtor | None = None,
    effective_on: date | None = None,
    reason: str = "",
    details: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Hold:
    """Place a hold on one account, or on a debtor (then it covers all their accounts)."""
    if kind not in HoldKind.values:
        raise ArrearsError(ComplianceError.HOLD_KIND_INVALID, f"unknown hold kind {kind!r}")
    if account is None and debtor is None:
        raise ArrearsError(ComplianceError.HOLD_TARGET_REQUIRED, "a hold needs an account or a debtor")
    if kind in ACCOUNT_ONLY_HOLDS and account is None:
        raise ArrearsError(ComplianceError.HOLD_NEEDS_ACCOUNT, f"a {kind} hold concerns one account: name it")
    subject = account or debtor
    assert subject is not None
    if subject.organization_id != actor.organization_id:
        raise ArrearsError(
            ComplianceError.HOLD_TARGET_REQUIRED, "the account or debtor is not in your organization"
        )
    now = at or utcnow()
    hold = Hold.objects.create(
        organization_id=subject.organization_id,
        kind=kind,
        account=account,
        debtor=debtor,
        effective_on=effective_on or now.date(),
        placed_at=now,
        placed_by_id=actor.user_id,
        placed_by_label=actor.label or "system",
        reason=reason,
        details=details or {},
    )
    audit_record(
        actor=actor,
        event=Event.COMPLIANCE_HOLD_PLACED,
        subject_type="account" if account else "debtor",
        subject_id=subject.pk,
        account_id=account.pk if account else None,
        data={"hold": hold.pk, "kind": kind, "effective_on": hold.effective_on, "reason": reason},
    )
    return hold


@transaction.atomic
def hold_lift(*, hold: Hold, actor: Principal, reason: str, at: datetime | None = None) -> Hold:
    """Lift an active hold. The row stays, with who lifted it, when and why."""
    locked = Hold.objects.select_for_update().get(pk=hold.pk, organization_id=actor.organization_id)
    if locked.lifted_at is not None:
        raise Conflict(
            ComplianceError.HOLD_ALREADY_LIFTED, f"hold {locked.pk} was lifted on {locked.lifted_at:%Y-%m-%d}"
        )
    if not reason.strip():
        raise ArrearsError(ComplianceError.HOLD_KIND_INVALID, "say why the hold is lifted")
    locked.lifted_at = at or utcnow()
    locked.lifted_by_id = actor.user_id
    locked.lifted_by_label = actor.label or "system"
    locked.lift_reason = reason.strip()
    locked.save(update_fields=["lifted_at", "lifted_by", "lifted_by_label", "lift_reason", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.COMPLIANCE_HOLD_LIFTED,
        subject_type="account" if locked.account_id else "debtor",
        subject_id=locked.account_id or locked.debtor_id,
        account_id=locked.account_id,
        data={"hold": locked.pk, "kind": locked.kind, "reason": locked.lift_reason},
    )
    return locked


@transaction.atomic
def validation_notice_record(
    *,
    account: Account,
    provided_on: date,
    actor: Principal,
    channel: str = "",
    sent_at: datetime | None = None,
    delivered_to: str = "",
    message_id: int | None = None,
    pdf: bytes | None = None,
) -> ValidationNotice:
    """Render the Model Form B-1 notice and record it as provided on ``provided_on`` (this starts the
    validation period the dispute rules read). The outbox records the notices it sent with the channel,
    time and message (``pdf``: the copy it sent, rendered for the same date); once per message."""
    from .notices import validation_notice_content, validation_notice_pdf

    if message_id is not None and (done := ValidationNotice.objects.filter(message_id=message_id).first()):
        return done
    content = validation_notice_content(account=account, provided_on=provided_on)
    pdf = pdf if pdf is not None else validation_notice_pdf(content)
    item = content.itemization
    notice = ValidationNotice(
        organization_id=account.organization_id,
        account=account,
        debtor=content.debtor,
        provided_on=provided_on,
        assumed_receipt_on=content.period.assumed_receipt_on,
        ends_on=content.period.ends_on,
        itemization_date=item.itemization_date,
        currency=item.currency,
        amount_on_itemization_date=item.amount_on_itemization_date,
        interest=item.interest,
        fees=item.fees,
        payments=item.payments,
        credits=item.credits,
        current_amount=item.current,
        created_by_label=actor.label or "system",
        channel=channel,
        sent_at=sent_at,
        delivered_to=delivered_to,
        message_id=message_id,
    )
    notice.document.save(f"{account.reference}-{provided_on:%Y%m%d}.pdf", ContentFile(pdf), save=False)
    notice.save()
    audit_record(
        actor=actor,
        event=Event.COMPLIANCE_VALIDATION_NOTICE_PROVIDED,
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={
            "notice": notice.pk,
            "provided_on": provided_on,
            "ends_on": notice.ends_on,
            "current_amount": item.current,
            "channel": channel,
            "message": message_id,
        },
    )
    return notice


@transaction.atomic
def contact_policy_set(
    *,
    organization_id: int,
    actor: Principal,
    call_limit: int,
    earliest: time,
    latest: time,
    weekend_calls: bool,
    holiday_calls: bool,
) -> ContactPolicy:
    """Set the organization's own contact limits. Stricter than the law only: a looser one is refused
    (``ComplianceError.POLICY_LOOSER_THAN_LAW``, naming the field). The gate reads it at its next
    decision; the audit event names each changed field with its old and new value."""
    problems = policy_problems(call_limit=call_limit, earliest=earliest, latest=latest)
    if problems:
        field, message = next(iter(problems.items()))
        raise ArrearsError(ComplianceError.POLICY_LOOSER_THAN_LAW, message, field=field)
    now = utcnow()
    wanted = {
        "call_limit": call_limit,
        "earliest": earliest,
        "latest": latest,
        "weekend_calls": weekend_calls,
        "holiday_calls": holiday_calls,
    }
    policy = ContactPolicy.objects.select_for_update().filter(organization_id=organization_id).first()
    if policy is None:
        before = {k: getattr(DEFAULT_POLICY, k) for k in wanted}
        policy = ContactPolicy(organization_id=organization_id)
    else:
        before = {k: getattr(policy, k) for k in wanted}
    changed = {k: v for k, v in wanted.items() if before[k] != v}
    if not changed:
        return policy
    for k, v in wanted.items():
        setattr(policy, k, v)
    policy.updated_at = now
    policy.updated_by_label = actor.label or f"user:{actor.user_id}"
    policy.save()
    audit_record(
        actor=actor,
        event=Event.COMPLIANCE_POLICY_CHANGED,
        subject_type="organization",
        subject_id=organization_id,
        data={k: {"from": _plain(before[k]), "to": _plain(v)} for k, v in changed.items()},
    )
    return policy


def _plain(value: object) -> object:
    return value.strftime("%H:%M") if isinstance(value, time) else value
