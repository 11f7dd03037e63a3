"""Contact attempts on the account timeline: calls, messages, letters, visits, inbound and outbound."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Prefetch

from arrears.accounts.models import Account
from arrears.core.timeline import TimelineItem
from arrears.tenancy.domain import Principal

from .models import ContactAttempt


def decision_summary(decision) -> dict | None:
    if decision is None:
        return None
    return {
        "allowed": decision.allowed,
        "overridden": decision.overridden,
        "override_reason": decision.override_reason,
        "codes": [r.get("code") for r in decision.reasons],
        "reasons": decision.reasons,
        "requirements": [r.get("code") for r in decision.requirements],
        "decided_at": decision.decided_at,
    }


def items(*, principal: Principal, account: Account) -> Iterator[TimelineItem]:
    from arrears.documents.models import Document

    recordings = Document.objects.filter(kind="call_recording").order_by("id")
    attempts = (
        ContactAttempt.objects.filter(organization_id=principal.organization_id, accounts=account)
        .select_related("decision", "user")
        .prefetch_related(Prefetch("documents", queryset=recordings))
        .order_by("-at", "-id")
    )
    for a in attempts:
        files = [
            {"document_id": d.pk, "name": d.original_name, "sha256": d.sha256} for d in a.documents.all()
        ]
        detail = " · ".join(p for p in (a.target, a.notes) if p)
        yield TimelineItem(
            at=a.at,
            kind=a.channel,
            title=f"{a.get_direction_display()} {a.get_channel_display().lower()}: "
            f"{a.get_outcome_display().lower()}",
            detail=detail,
            actor=a.user.username if a.user else "system",
            decision=decision_summary(a.decision),
            ref=f"attempt:{a.pk}",
            extra={
                "attempt_id": a.pk,
                "direction": a.direction,
                "outcome": a.outcome,
                "target": a.target,
                "recordings": files,
            },
        )
