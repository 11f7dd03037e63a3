"""Queueing many messages at once (a nightly run, a campaign): prefetch, decide in a batch, render,
insert with one statement per table, audit with one chain lock. The result equals calling
``message_queue`` for each account, with the gate's decision made at queue time as well."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from arrears.accounts.selectors import accounts_to_message, primary_debtor_ids
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.services import AttemptSpec, attempts_record_many
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record_many
from arrears.compliance.services import GateRequest, GateResult, decide_many
from arrears.core.bulk import insert_rows, update_rows
from arrears.core.clock import utcnow
from arrears.debtors.selectors import contact_points_to_message
from arrears.payments.selectors import plans_current
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .content import sms_size
from .messaging import GATE_CHANNEL, POINT_KIND, UNUSABLE, context_for, party_for, segment_limit
from .messaging_choices import MessageStatus, TemplateChannel
from .models import MessageTemplate, OutboundMessage
from .rendering import compile_template

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import ContactPoint

CHUNK = 500  # messages per delivery task


@dataclass(frozen=True, slots=True)
class QueueSummary:
    message_ids: list[int]
    queued: int
    held: int
    cancelled: int
    skipped: dict[str, int]


def _points_by_debtor(
    debtor_ids: set[int], kind: str, *, for_rendering: bool = True
) -> dict[int, ContactPoint]:
    """Each debtor's contact point of ``kind`` a message goes to: the primary, and a mobile for texts.
    With their debtors, for rendering; without, only the columns the compliance gate reads."""
    chosen: dict[int, ContactPoint] = {}
    points = contact_points_to_message(
        debtor_ids=debtor_ids, kind=kind, exclude_statuses=UNUSABLE, for_rendering=for_rendering
    )
    for p in points:
        current = chosen.get(p.debtor_id)
        if current is None or (kind == "phone" and p.label == "mobile" and current.label != "mobile"):
            chosen[p.debtor_id] = p
    return chosen


@transaction.atomic
def messages_queue_many(
    *,
    template: MessageTemplate,
    accounts: Sequence[Account],
    actor: Principal,
    at: datetime | None = None,
    purpose: str = "collection",
    release_when_allowed: bool = False,
    enqueue: bool = True,
    targets: Mapping[int, ContactPoint] | None = None,
) -> QueueSummary:
    """Render ``template`` for each account's primary debtor and queue it, through the gate in a batch.

    Allowed messages are ``pending``; blocked ones are held with their reasons (or cancelled) and shown
    on the timeline. Accounts without a usable contact point are counted in ``skipped``. ``targets``
    names the contact point to use for an account (one of its primary debtor's, with the debtor loaded),
    instead of the primary one of the template's kind."""
    now = at or utcnow()
    # Read again in one query: current balances, and the client each context names.
    accounts = list(
        accounts_to_message(account_ids=[a.pk for a in accounts], organization_id=actor.organization_id)
    )
    if not accounts:
        return QueueSummary([], 0, 0, 0, {})
    primary = primary_debtor_ids(a.pk for a in accounts)
    kind = POINT_KIND[TemplateChannel(template.channel)]
    points = _points_by_debtor(set(primary.values()), kind)
    skipped: dict[str, int] = defaultdict(int)
    wanted: list[tuple[Account, ContactPoint]] = []
    for account in accounts:
        point = (targets or {}).get(account.pk) or points.get(primary.get(account.pk, -1))
        if point is None:
            skipped["no_contact_point"] += 1
            continue
        wanted.append((account, point))
    requests = [
        GateRequest(
            account=a, channel=GATE_CHANNEL[TemplateChannel(template.channel)], target=p, purpose=purpose
        )
        for a, p in wanted
    ]
    # Every audit event of the batch is recorded last, so the organization's chain stays locked only
    # for the final inserts and the commit, and other workers' batches run alongside.
    events: list[AuditSpec] = []
    results = decide_many(requests=requests, at=now, actor=actor, audit=events)
    organization = organization_get(organization_id=actor.organization_id)
    party = party_for(organization)
    plans = plans_current(account_ids=[a.pk for a, _ in wanted])
    compiled_body = compile_template(template.body, html=template.channel == TemplateChannel.LETTER)
    compiled_subject = compile_template(template.subject)
    from django.template import Context

    debtors = {p.debtor_id: p.debtor for _, p in wanted}
    rows: list[dict[str, Any]] = []
    gate: list[GateResult] = []
    today = now.date()
    label = actor.label or f"user:{actor.user_id}"
    for (account, point), result in zip(wanted, results, strict=True):
        key = uuid.uuid4().hex
        context = context_for(
            party=party, account=account, debtor=debtors[point.debtor_id], plan=plans.get(account.pk),
            key=key, channel=template.channel, today=today,
        )  # fmt: skip
        html = template.channel == TemplateChannel.LETTER
        body = compiled_body.render(Context(context, autoescape=html))
        if template.channel == TemplateChannel.SMS and sms_size(body).segments > segment_limit():
            skipped["too_many_segments"] += 1
            continue
        if result.allowed:
            status = MessageStatus.PENDING
        else:
            status = MessageStatus.BLOCKED if release_when_allowed else MessageStatus.CANCELLED
        rows.append(
            {
                "organization_id": account.organization_id,
                "created_at": now,
                "updated_at": now,
                "debtor_id": point.debtor_id,
                "account_id": account.pk,
                "contact_point_id": point.pk,
                "template_id": template.pk,
                "channel": template.channel,
                "purpose": purpose,
                "target": point.value,
                "subject": compiled_subject.render(Context(context, autoescape=False)).strip(),
                "body": body,
                "status": status,
                "idempotency_key": key,
                "provider": "",
                "provider_message_id": "",
                "attempts": 0,
                "next_attempt_at": None if result.allowed else result.next_allowed_at,
                "sending_started_at": None,
                "last_error": "",
                "held_reasons": [] if result.allowed else result.reasons,
                "release_when_allowed": release_when_allowed,
                "decision_id": result.decision_id,
                "attempt_id": None,
                "letter_batch_id": None,
                "delivery_uncertain": False,
                "sent_at": None,
                "delivered_at": None,
                "created_by_label": label,
            }
        )
        gate.append(result)
    ids = insert_rows(OutboundMessage, rows)
    blocked = [(pk, row) for pk, row in zip(ids, rows, strict=True) if row["status"] != MessageStatus.PENDING]
    attempt_ids = attempts_create_many(
        actor=actor,
        messages=[{**row, "id": pk, "outcome": Outcome.BLOCKED, "at": now} for pk, row in blocked],
        audit=events,
    )
    update_rows(
        OutboundMessage,
        {pk: {"attempt": aid} for (pk, _), aid in zip(blocked, attempt_ids, strict=True)},
        ["attempt"],
    )
    events.extend(
        [
            AuditSpec(
                event=Event.CONTACT_MESSAGE_QUEUED
                if row["status"] == MessageStatus.PENDING
                else (
                    Event.CONTACT_MESSAGE_HELD
                    if row["status"] == MessageStatus.BLOCKED
                    else Event.CONTACT_MESSAGE_CANCELLED
                ),
                subject_type="outbound_message",
                subject_id=pk,
                account_id=row["account_id"],
                data={
                    "channel": row["channel"],
                    "status": row["status"],
                    "template": template.pk,
                    "version": template.version,
                    "decision": row["decision_id"],
                    "codes": [r["code"] for r in row["held_reasons"]],
                },
            )
            for pk, row in zip(ids, rows, strict=True)
        ]
    )
    audit_record_many(actor=actor, events=events)
    pending = [pk for pk, row in zip(ids, rows, strict=True) if row["status"] == MessageStatus.PENDING]
    if enqueue and template.channel != TemplateChannel.LETTER:
        from .tasks import messages_deliver_task

        chunks = [pending[i : i + CHUNK] for i in range(0, len(pending), CHUNK)]
        transaction.on_commit(lambda: [messages_deliver_task.enqueue(message_ids=c) for c in chunks])
    return QueueSummary(
        message_ids=ids,
        queued=len(pending),
        held=sum(1 for r in rows if r["status"] == MessageStatus.BLOCKED),
        cancelled=sum(1 for r in rows if r["status"] == MessageStatus.CANCELLED),
        skipped=dict(skipped),
    )


def attempts_create_many(
    *, actor: Principal, messages: Sequence[dict[str, Any]], audit: list[AuditSpec] | None = None
) -> list[int]:
    """Timeline rows for many outbox messages (``id``, ``outcome``, ``at`` and the message's columns),
    with their accounts and audit events, in three statements (the events appended to ``audit``
    instead, when given, as ``decide_many`` does)."""
    if not messages:
        return []
    specs = [
        AttemptSpec(
            organization_id=m["organization_id"],
            debtor_id=m["debtor_id"],
            contact_point_id=m["contact_point_id"],
            channel=GATE_CHANNEL[TemplateChannel(m["channel"])],
            direction=Direction.OUTBOUND,
            outcome=m["outcome"],
            target=m["target"],
            at=m["at"],
            decision_id=m["decision_id"],
            notes=f"outbox message {m['id']}: {(m['subject'] or m['body'])[:120]}",
            account_ids=[m["account_id"]],
        )
        for m in messages
    ]
    ids = attempts_record_many(attempts=specs)
    events = [
        AuditSpec(
            event=Event.CONTACT_ATTEMPT_BLOCKED
            if m["outcome"] == Outcome.BLOCKED
            else Event.CONTACT_ATTEMPT_RECORDED,
            subject_type="debtor",
            subject_id=m["debtor_id"],
            account_id=m["account_id"],
            data={
                "attempt": pk,
                "channel": spec.channel,
                "direction": Direction.OUTBOUND,
                "outcome": m["outcome"],
                "decision": m["decision_id"],
                "message": m["id"],
            },
        )
        for pk, m, spec in zip(ids, messages, specs, strict=True)
    ]
    if audit is None:
        audit_record_many(actor=actor, events=events)
    else:
        audit.extend(events)
    return ids
