"""The compliance gate for many messages at once: the facts of the whole batch read in a fixed number of
queries (``compliance.gather.facts_bases``, the same builder ``compliance.services.decide`` reads one
contact's facts with), decided by the pure engine (``compliance.domain.evaluate``), and stored with one
``COPY`` for the decisions and one for their audit events.

``decide_many`` is what batch writers (a nightly run, a letter batch, the benchmark) call instead of
``compliance.services.decide`` in a loop: the decisions and their audit events are the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from arrears.accounts.models import Account
from arrears.audit.services import AuditSpec, audit_record_many
from arrears.compliance.domain import evaluate
from arrears.compliance.gather import facts_bases
from arrears.compliance.models import Decision
from arrears.compliance.scenario import decision_to_json, facts_to_json
from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow
from arrears.debtors.models import ContactPoint, Debtor
from arrears.tenancy.domain import Principal


@dataclass(frozen=True, slots=True)
class GateRequest:
    account: Account
    channel: str
    target: ContactPoint | str | None = None
    purpose: str = "collection"
    debtor: Debtor | None = None


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


@transaction.atomic
def decide_many(
    *,
    requests: Sequence[GateRequest],
    at: datetime,
    actor: Principal,
    audit: list[AuditSpec] | None = None,
) -> list[GateResult]:
    """Decide every request as ``compliance.services.decide`` would, and store the decisions and their
    audit events with one insert each. Overrides are not offered in a batch.

    With ``audit``, the audit events are appended to it for the caller to record with its own, at the
    end of its transaction: recording locks the organization's audit chain until the commit, and a
    batch that locks it first holds every other worker of the organization up while it renders."""
    if not requests:
        return []
    decided_at = utcnow()
    bases = facts_bases(requests=requests, at=at)
    label = actor.label or (f"user:{actor.user_id}" if actor.user_id else "system")
    # Everything that may read the database first (a text target's contact point): the decisions are
    # then made as their rows stream to PostgreSQL, which stores one while the next is decided.
    actions = [
        base.for_action(channel=r.channel, target=r.target, purpose=r.purpose)
        for r, base in zip(requests, bases, strict=True)
    ]
    rows: list[dict[str, Any]] = []
    results: list[tuple[dict[str, Any], datetime | None, int, ContactPoint | None, str]] = []

    def decided() -> Iterator[dict[str, Any]]:
        for r, base, (facts, point) in zip(requests, bases, actions, strict=True):
            outcome = evaluate(facts, now=at)
            result = decision_to_json(outcome)
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
                "overridden": False,
                "override_reason": "",
            }
            rows.append(row)
            results.append(
                (result, outcome.next_allowed_at, base.debtor_id, point, facts.action.target or "")
            )
            yield row

    ids = insert_rows(Decision, decided(), count=len(requests))
    events = [
        AuditSpec(
            event="compliance.decided",
            subject_type="account",
            subject_id=row["account_id"],
            account_id=row["account_id"],
            data={
                "decision": pk,
                "channel": row["channel"],
                "purpose": row["purpose"],
                "allowed": row["allowed"],
                "codes": [x["code"] for x in row["reasons"]],
            },
        )
        for pk, row in zip(ids, rows, strict=True)
    ]
    if audit is None:
        audit_record_many(actor=actor, events=events)
    else:
        audit.extend(events)
    return [
        GateResult(pk, res["allowed"], res["reasons"], res["requirements"], nxt, debtor_id, point, target)
        for pk, (res, nxt, debtor_id, point, target) in zip(ids, results, strict=True)
    ]
