"""Reads for templates and the outbox."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from arrears.core.errors import NotFound
from arrears.tenancy.domain import Principal

from .content import SmsSize, sms_size
from .messaging import party_for
from .messaging_choices import MessageStatus, TemplateChannel
from .messaging_errors import MessagingError
from .models import CollectorTask, LetterBatch, MessageTemplate, OrganizationBranding, OutboundMessage
from .rendering import demo_context, render

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.attempts.models import ContactAttempt
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


# --- the manager's pages: templates, outbox, letter batches, review tasks ----------------------------------


def templates_current(*, organization_id: int) -> QuerySet[MessageTemplate]:
    """The active version of every template, by key and channel."""
    return MessageTemplate.objects.filter(organization_id=organization_id, active=True).order_by(
        "key", "channel", "language"
    )


def template_get(*, organization_id: int, pk: int) -> MessageTemplate:
    from arrears.core.errors import NotFound

    from .messaging_errors import MessagingError

    try:
        return MessageTemplate.objects.get(organization_id=organization_id, pk=pk)
    except MessageTemplate.DoesNotExist:
        raise NotFound(MessagingError.TEMPLATE_NOT_FOUND, f"no template {pk}") from None


def template_preview_for_account(
    *, channel: str, subject: str, body: str, account: Account, organization: Organization
) -> tuple[str, str]:
    """A draft rendered for a real account and its primary debtor: (subject, body)."""
    from arrears.compliance.selectors import primary_debtor
    from arrears.core.clock import utcnow
    from arrears.payments.selectors import plans_current

    from .messaging import context_for

    context = context_for(
        party=party_for(organization),
        account=account,
        debtor=primary_debtor(account),
        plan=plans_current(account_ids=[account.pk]).get(account.pk),
        key="preview",
        channel=channel,
        today=utcnow().date(),
    )
    body_text = render(body, context, html=channel == TemplateChannel.LETTER)
    return render(subject, context).strip(), body_text


def outbox_list(*, principal: Principal, status: str = "", channel: str = "") -> QuerySet[OutboundMessage]:
    """The outbox, newest first, with the account shown on each row (no query per row)."""
    qs = OutboundMessage.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        qs = qs.filter(account__client_id__in=principal.client_ids)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.select_related("account").order_by("-created_at", "-pk")


def letter_batches(*, organization_id: int) -> QuerySet[LetterBatch]:
    return LetterBatch.objects.filter(organization_id=organization_id).order_by("-created_at", "-pk")


def letter_batch_get(*, organization_id: int, pk: int) -> LetterBatch:
    from arrears.core.errors import NotFound

    from .messaging_errors import MessagingError

    try:
        return LetterBatch.objects.get(organization_id=organization_id, pk=pk)
    except LetterBatch.DoesNotExist:
        raise NotFound(MessagingError.LETTER_BATCH_NOT_FOUND, f"no letter batch {pk}") from None


def collector_tasks_open(*, organization_id: int) -> QuerySet[CollectorTask]:
    """Inbound texts and deliveries a person must look at, oldest first."""
    return (
        CollectorTask.objects.filter(organization_id=organization_id, done_at__isnull=True)
        .select_related("debtor", "inbound")
        .order_by("created_at", "pk")
    )


def branding_get(*, organization_id: int) -> OrganizationBranding | None:
    return OrganizationBranding.objects.filter(pk=organization_id).first()


def templates_for_sending(*, principal: Principal) -> QuerySet[MessageTemplate]:
    """The organization's active templates, the ones a collector may send from an account."""
    return MessageTemplate.objects.filter(organization_id=principal.organization_id, active=True).order_by(
        "channel", "key", "language"
    )


def template_for_sending(*, principal: Principal, pk: int) -> MessageTemplate:
    found = templates_for_sending(principal=principal).filter(pk=pk).first()
    if found is None:
        raise NotFound(MessagingError.TEMPLATE_NOT_FOUND, f"no active template {pk}")
    return found


@dataclass(frozen=True, slots=True)
class AccountPreview:
    """A template rendered for a real account, as the queued message would read, and where it would go."""

    template: MessageTemplate
    target: str
    subject: str
    body: str
    sms: SmsSize | None


def message_preview_for_account(
    *, principal: Principal, template: MessageTemplate, account: Account, today: date
) -> AccountPreview:
    """Render `template` for the account's primary debtor exactly as ``message_queue`` would; nothing is
    stored. A missing contact point is an ``ArrearsError`` naming what is missing."""
    from arrears.compliance.selectors import primary_debtor
    from arrears.payments.selectors import plans_current
    from arrears.tenancy.selectors import organization_get

    from .messaging import contact_point_for, context_for

    if template.organization_id != principal.organization_id or account.organization_id != (
        principal.organization_id
    ):
        raise NotFound(MessagingError.TEMPLATE_NOT_FOUND, f"no template {template.pk}")
    debtor = primary_debtor(account)
    point = contact_point_for(debtor=debtor, channel=template.channel)
    context = context_for(
        party=party_for(organization_get(organization_id=account.organization_id)),
        account=account,
        debtor=debtor,
        plan=plans_current(account_ids=[account.pk]).get(account.pk),
        key="preview",
        channel=template.channel,
        today=today,
    )
    body = render(template.body, context, html=template.channel == TemplateChannel.LETTER)
    return AccountPreview(
        template=template,
        target=point.value,
        subject=render(template.subject, context).strip(),
        body=body,
        sms=sms_size(body) if template.channel == TemplateChannel.SMS else None,
    )


def message_latest_for_account(*, principal: Principal, account_id: int) -> OutboundMessage | None:
    return (
        OutboundMessage.objects.filter(organization_id=principal.organization_id, account_id=account_id)
        .order_by("-created_at", "-id")
        .first()
    )


def messages_brief(*, message_ids: list[int]) -> list[tuple[int, int, str, list[Any], datetime | None]]:
    """(id, account id, status, held reasons, next attempt) of outbox messages, for a batch caller
    that must tell each account what became of its message."""
    return list(
        OutboundMessage.objects.filter(pk__in=message_ids).values_list(
            "pk", "account_id", "status", "held_reasons", "next_attempt_at"
        )
    )


def accounts_with_live_message(*, account_ids: Collection[int], purpose: str) -> set[int]:
    """Which of these accounts have a message of this purpose that is queued, held, sending or sent (not
    cancelled, failed or bounced, after which it may be sent again)."""
    from arrears.core.bulk import among

    dead = (MessageStatus.CANCELLED, MessageStatus.FAILED, MessageStatus.BOUNCED)
    return set(
        OutboundMessage.objects.filter(among("account_id", account_ids), purpose=purpose)
        .exclude(status__in=dead)
        .values_list("account_id", flat=True)
    )


def validation_notice_message_latest(*, organization_id: int, account_id: int) -> OutboundMessage | None:
    """The newest outbox message carrying the account's validation notice (its channel, state and held
    reasons, for the account page), or None."""
    return (
        OutboundMessage.objects.filter(
            organization_id=organization_id, account_id=account_id, purpose="validation_notice"
        )
        .order_by("-created_at", "-id")
        .first()
    )


# --- the REST API: contact attempts with their recordings, and the outbox, a cursor page at a time ----------


def _recordings() -> Prefetch:
    from arrears.documents.selectors import documents_of_kind

    return Prefetch("documents", queryset=documents_of_kind(kind="call_recording"))


def attempts_page_for(
    *, principal: Principal, account_id: int | None, starting_after: int | None, limit: int
) -> list[ContactAttempt]:
    """A cursor page of the contact attempts the principal may see (about one account of theirs, when
    given: another's is not found), by id, with their decisions, accounts and call recordings."""
    from arrears.accounts.selectors import account_get
    from arrears.attempts.selectors import attempts_page

    if account_id is not None:
        account_get(principal=principal, pk=account_id)
    rows = attempts_page(
        organization_id=principal.organization_id,
        client_ids=principal.client_ids,
        account_id=account_id,
        starting_after=starting_after,
        limit=limit,
    )
    prefetch_related_objects(rows, _recordings())
    return rows


def attempt_get_for(*, principal: Principal, pk: int) -> ContactAttempt:
    """One contact attempt the principal may see, with its decision, accounts and call recordings."""
    from arrears.attempts.selectors import attempt_get

    found = attempt_get(organization_id=principal.organization_id, client_ids=principal.client_ids, pk=pk)
    prefetch_related_objects([found], _recordings())
    return found


def _messages_scoped(principal: Principal) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        qs = qs.filter(account__client_id__in=principal.client_ids)
    return qs.select_related("account", "template")


def messages_page(
    *, principal: Principal, account_id: int | None, starting_after: int | None, limit: int
) -> list[OutboundMessage]:
    """A cursor page of the outbox messages the principal may see (of one account of theirs, when given:
    another's is not found), by id."""
    from arrears.accounts.selectors import account_get

    qs = _messages_scoped(principal)
    if account_id is not None:
        qs = qs.filter(account=account_get(principal=principal, pk=account_id))
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return list(qs.order_by("pk")[:limit])


def message_get(*, principal: Principal, pk: int) -> OutboundMessage:
    found = _messages_scoped(principal).filter(pk=pk).first()
    if found is None:
        raise NotFound(MessagingError.MESSAGE_NOT_FOUND, f"no message {pk}")
    return found


def template_for_account(
    *, principal: Principal, account: Account, key: str, channel: str
) -> MessageTemplate:
    """The active template with this key and channel in the language of the account's primary debtor
    (else English), as ``message_queue`` renders it; an unknown one is not found."""
    from arrears.accounts.selectors import primary_debtor

    from .messaging import template_current

    if account.organization_id != principal.organization_id:
        raise NotFound(MessagingError.TEMPLATE_NOT_FOUND, f"no {channel} template {key!r}")
    debtor = primary_debtor(account)
    language = debtor.language if debtor is not None else "en"
    return template_current(
        organization_id=principal.organization_id, key=key, channel=channel, language=language or "en"
    )
