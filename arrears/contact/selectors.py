"""Reads for templates and the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

from arrears.tenancy.domain import Principal

from .content import SmsSize, sms_size
from .messaging import party_for
from .messaging_choices import TemplateChannel
from .models import MessageTemplate, OutboundMessage
from .rendering import demo_context, render

if TYPE_CHECKING:
    from arrears.tenancy.models import Organization


@dataclass(frozen=True, slots=True)
class Preview:
    template: MessageTemplate
    organization: Organization
    subject: str
    body: str
    sms: SmsSize | None

    def pdf(self) -> bytes:
        from .letters import LetterView, envelope_return_lines, render_letters

        party = party_for(self.organization)
        view = LetterView(
            seq=1,
            message=None,  # type: ignore[arg-type]
            party=party,
            return_lines=envelope_return_lines(party),
            recipient_lines=("Maria Gonzalez-Whitfield", "4821 Alder Court, Apt 3", "Springfield, IL 62704"),
            date=date(2026, 3, 10),
            reference="INV-2026-004817",
            body=self.body,
        )
        return render_letters([view]).pdf


def template_preview(*, template: MessageTemplate, organization: Organization) -> Preview:
    """The template rendered with demo data, as the debtor would see it."""
    context = demo_context(party_for(organization))
    body = render(template.body, context, html=template.channel == TemplateChannel.LETTER)
    return Preview(
        template=template,
        organization=organization,
        subject=render(template.subject, context).strip(),
        body=body,
        sms=sms_size(body) if template.channel == TemplateChannel.SMS else None,
    )


def messages_for_debtor(*, principal: Principal, debtor_id: int) -> QuerySet[OutboundMessage]:
    return OutboundMessage.objects.filter(
        organization_id=principal.organization_id, debtor_id=debtor_id
    ).order_by("-created_at", "-id")


def message_for_provider_report(*, organization_id: int, message_id: str) -> OutboundMessage | None:
    """The message a bounce or complaint names: by our Message-ID (``<key@domain>``) or the ESP's id."""
    key = message_id.strip().strip("<>").split("@", 1)[0]
    found = OutboundMessage.objects.filter(organization_id=organization_id, idempotency_key=key).first()
    return found or (
        OutboundMessage.objects.filter(
            organization_id=organization_id, provider_message_id=message_id
        ).first()
    )


def messages_brief(*, message_ids: list[int]) -> list[tuple[int, int, str, list[Any], datetime | None]]:
    """(id, account id, status, held reasons, next attempt) of outbox messages, for a batch caller
    that must tell each account what became of its message."""
    return list(
        OutboundMessage.objects.filter(pk__in=message_ids).values_list(
            "pk", "account_id", "status", "held_reasons", "next_attempt_at"
        )
    )
