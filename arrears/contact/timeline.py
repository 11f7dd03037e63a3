"""Contact attempts on the account timeline: calls, messages, letters, visits, inbound and outbound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db.models import Prefetch

from arrears.attempts.selectors import attempts_for_account
from arrears.core.timeline import TimelineItem
from arrears.tenancy.domain import Principal

if TYPE_CHECKING:
    from arrears.accounts.models import Account


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


def _message_content(attempt_ids: list[int]) -> dict[int, str]:
    """What was said: the subject and body of the message sent or received with each attempt."""
    from .models import InboundMessage, OutboundMessage

    found: dict[int, str] = {}
    for row in OutboundMessage.objects.filter(attempt_id__in=attempt_ids).values(
        "attempt_id", "subject", "body"
    ):
        found[row["attempt_id"]] = " — ".join(p for p in (row["subject"], row["body"]) if p)
    for inbound in InboundMessage.objects.filter(attempt_id__in=attempt_ids).values("attempt_id", "body"):
        found[inbound["attempt_id"]] = inbound["body"]
    return found


def items(*, principal: Principal, account: Account) -> Iterator[TimelineItem]:
    from arrears.documents.selectors import documents_of_kind

    recordings = documents_of_kind(kind="call_recording")
    attempts = (
        attempts_for_account(organization_id=principal.organization_id, account_id=account.pk)
        .select_related("decision", "user")
        .prefetch_related(Prefetch("documents", queryset=recordings))
        .order_by("-at", "-id")
    )
    attempts_list = list(attempts)
    content = _message_content([a.pk for a in attempts_list])
    for a in attempts_list:
        files = [
            {"document_id": d.pk, "name": d.original_name, "sha256": d.sha256} for d in a.documents.all()
        ]
        detail = " · ".join(p for p in (a.target, a.notes, content.get(a.pk, "")) if p)
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
                "content": content.get(a.pk, ""),
                "direction": a.direction,
                "outcome": a.outcome,
                "target": a.target,
                "recordings": files,
            },
        )
