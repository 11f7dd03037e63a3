"""Writes for compliance: the gate's decisions, holds, and validation notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from arrears.accounts.models import Account
from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, PermissionDenied
from arrears.debtors.models import ContactPoint, Debtor
from arrears.tenancy.domain import Principal

from .choices import ACCOUNT_ONLY_HOLDS, HoldKind
from .domain import evaluate
from .errors import ComplianceError
from .facts import ActionChannel, Purpose
from .models import Decision, Hold, ValidationNotice
from .scenario import decision_to_json, facts_to_json


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

    Every outbound contact calls this at the moment it happens. A blocked decision can be overridden
    only by a principal allowed to ``override_compliance``, with a reason; both are audited.
    """
    from .selectors import decision_facts

    if channel not in ActionChannel.__members__.values():
        raise ArrearsError(ComplianceError.INVALID_CHANNEL, f"unknown channel {channel!r}")
    if purpose not in Purpose.__members__.values():
        raise ArrearsError(ComplianceError.INVALID_CHANNEL, f"unknown purpose {purpose!r}")
    decided_at = utcnow()
    when = at or decided_at
    facts, debtor, point = decision_facts(
        account=account, channel=channel, target=target, purpose=purpose, at=when, debtor=debtor
    )
    outcome = evaluate(facts, now=when)
    result = decision_to_json(outcome)
    overridden = bool(override_reason.strip()) and not result["allowed"]
    if overridden and not actor.can("override_compliance"):
        raise PermissionDenied(
            ComplianceError.OVERRIDE_FORBIDDEN, "your role may not override a compliance block"
        )
    decision = Decision.objects.create(
        organization_id=account.organization_id,
        account=account,
        debtor=debtor,
        channel=channel,
        target=facts.action.target or "",
        purpose=purpose,
        at=when,
        decided_at=decided_at,
        allowed=result["allowed"],
        reasons=result["reasons"],
        requirements=result["requirements"],
        next_allowed_at=outcome.next_allowed_at,
        facts=facts_to_json(facts, now=when),
        actor_user_id=actor.user_id,
        actor_label=actor.label or (f"user:{actor.user_id}" if actor.user_id else "system"),
        overridden=overridden,
        override_reason=override_reason.strip() if overridden else "",
    )
    audit_record(
        actor=actor,
        event="compliance.overridden" if overridden else "compliance.decided",
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={
            "decision": decision.pk,
            "channel": channel,
            "purpose": purpose,
            "allowed": decision.allowed,
            "codes": decision.codes,
            **({"override_reason": decision.override_reason} if overridden else {}),
        },
    )
    return decision


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
        event="compliance.hold_placed",
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
        event="compliance.hold_lifted",
        subject_type="account" if locked.account_id else "debtor",
        subject_id=locked.account_id or locked.debtor_id,
        account_id=locked.account_id,
        data={"hold": locked.pk, "kind": locked.kind, "reason": locked.lift_reason},
    )
    return locked


@transaction.atomic
def validation_notice_record(*, account: Account, provided_on: date, actor: Principal) -> ValidationNotice:
    """Render the Model Form B-1 notice and record it as provided on ``provided_on`` (this starts the
    validation period the dispute rules read)."""
    from .notices import validation_notice_content, validation_notice_pdf

    content = validation_notice_content(account=account, provided_on=provided_on)
    pdf = validation_notice_pdf(content)
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
    )
    notice.document.save(f"{account.reference}-{provided_on:%Y%m%d}.pdf", ContentFile(pdf), save=False)
    notice.save()
    audit_record(
        actor=actor,
        event="compliance.validation_notice_provided",
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={
            "notice": notice.pk,
            "provided_on": provided_on,
            "ends_on": notice.ends_on,
            "current_amount": item.current,
        },
    )
    return notice
