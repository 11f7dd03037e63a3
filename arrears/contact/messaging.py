"""Writes for templates and the outbox: save a template, queue a message, deliver it through the
compliance gate, hold and release it, and record what the debtor did (unsubscribe, STOP, bounce).

Every delivery passes ``compliance.services.decide`` at send time (DESIGN rule 4) and leaves a
``ContactAttempt`` on the debtor's timeline with that decision (rule 5).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max
from django.utils.html import linebreaks, urlize

from arrears.accounts.errors import AccountError
from arrears.accounts.selectors import account_latest_of_debtor
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.services import AttemptSpec, attempt_outcome_set, attempt_record
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.compliance.selectors import primary_debtor
from arrears.compliance.services import decide
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, NotFound
from arrears.debtors.choices import ContactStatus
from arrears.debtors.selectors import consent_opted_out, contact_points_by_phone, contact_points_usable
from arrears.debtors.services import consent_record, contact_point_status_set, debtor_lock
from arrears.payments.selectors import CurrentPlan, plans_current
from arrears.tenancy.choices import CollectionMode
from arrears.tenancy.domain import Principal, system_principal
from arrears.tenancy.selectors import organization_get

from .channels.base import DeliveryError, LookupUnsupported, Outgoing, Provider, Receipt
from .content import ContentProblem, reveals_debt_collection, sms_size, template_problems
from .messaging_choices import CollectorTaskKind, InboundKind, MessageStatus, TemplateChannel
from .messaging_errors import MessagingError
from .models import (
    CollectorTask,
    InboundMessage,
    MessageTemplate,
    OrganizationBranding,
    OutboundMessage,
)
from .rendering import (
    Party,
    account_context,
    base_url,
    debtor_context,
    demo_context,
    message_context,
    money_text,
    render,
)
from .validation_notices import consent_check, is_validation_notice, notice_render, notice_sent

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.attempts.models import ContactAttempt
    from arrears.debtors.models import ContactPoint, Debtor
    from arrears.tenancy.models import Organization

# Seconds to wait before retry n (1-based); after the last one the message is failed.
BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600)
# A message left in `sending` longer than this was interrupted (a crash between send and record).
SENDING_TIMEOUT = timedelta(minutes=5)
UNSUBSCRIBE_SALT = "arrears.contact.unsubscribe"
# The channel the compliance gate decides for each template channel.
GATE_CHANNEL: dict[str, str] = {
    TemplateChannel.EMAIL: "email",
    TemplateChannel.SMS: "sms",
    TemplateChannel.LETTER: "letter",
}
POINT_KIND: dict[str, str] = {
    TemplateChannel.EMAIL: "email",
    TemplateChannel.SMS: "phone",
    TemplateChannel.LETTER: "address",
}
UNUSABLE = (ContactStatus.INVALID, ContactStatus.UNDELIVERABLE, ContactStatus.WRONG_PARTY)
STOP_WORDS = frozenset({"STOP", "QUIT", "END", "REVOKE", "OPT OUT", "CANCEL", "UNSUBSCRIBE", "STOPALL"})
START_WORDS = frozenset({"START", "UNSTOP"})


def segment_limit() -> int:
    return int(getattr(settings, "SMS_SEGMENT_LIMIT", 2))


def _actor(organization_id: int) -> Principal:
    return system_principal(organization_id, "contact")


# --- organization and context ----------------------------------------------------------------------------


def party_for(organization: Organization) -> Party:
    branding = OrganizationBranding.objects.filter(pk=organization.pk).first()
    return Party(
        name=organization.name,
        legal_name=organization.legal_name,
        phone=organization.phone,
        address=organization.address,
        envelope_name=branding.envelope_name if branding else "",
        return_address=(branding.return_address if branding else "") or organization.address,
        primary_colour=branding.primary_colour if branding else "#1f3a5f",
        accent_colour=branding.accent_colour if branding else "#6b7c93",
        third_party=organization.collection_mode != CollectionMode.FIRST_PARTY,
    )


def plan_context(plan: CurrentPlan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    return {
        "total": money_text(plan.total, plan.currency),
        "frequency": plan.frequency,
        "made_on": plan.made_on,
        "next_amount": money_text(plan.next_amount, plan.currency) if plan.next_amount is not None else "",
        "next_due_on": plan.next_due_on,
    }


def context_for(
    *,
    party: Party,
    account: Account,
    debtor: Debtor,
    plan: CurrentPlan | None,
    key: str,
    channel: str,
    today: Any = None,
) -> dict[str, Any]:
    return message_context(
        party=party,
        debtor=debtor_context(
            first_name=debtor.first_name, last_name=debtor.last_name, name=debtor.display_name
        ),
        account=account_context(
            reference=account.reference,
            creditor=account.current_creditor or account.client.name,
            original_creditor=account.original_creditor,
            currency=account.currency,
            principal=account.balance_principal,
            interest=account.balance_interest,
            fees=account.balance_fees,
            costs=account.balance_costs,
        ),
        plan=plan_context(plan),
        unsubscribe_url=unsubscribe_url(key) if channel == TemplateChannel.EMAIL else "",
        today=today,
    )


def unsubscribe_url(key: str) -> str:
    token = signing.dumps({"k": key}, salt=UNSUBSCRIBE_SALT, compress=True)
    return f"{base_url()}/contact/unsubscribe/{token}/"


# --- templates --------------------------------------------------------------------------------------------


def template_check(
    *, organization: Organization, channel: str, subject: str, body: str
) -> list[ContentProblem]:
    """Every content rule a draft breaks, rendered with demo data (a syntax error raises
    ``ArrearsError``). The editor asks this as the manager types; ``template_save`` asks it again."""
    party = party_for(organization)
    context = demo_context(party)
    rendered = render(body, context, html=channel == TemplateChannel.LETTER)
    render(subject, context)  # a syntax error in the subject fails here too
    return template_problems(
        channel=channel,
        subject=subject,
        body=body,
        rendered=rendered,
        third_party=party.third_party,
        segment_limit=segment_limit(),
    )


@transaction.atomic
def template_save(
    *,
    organization: Organization,
    key: str,
    channel: str,
    body: str,
    actor: Principal,
    subject: str = "",
    language: str = "en",
    name: str = "",
) -> MessageTemplate:
    """Save a new version of a template, after every content rule passed (else ``ArrearsError`` with
    the first problem's code and all of them in ``details['problems']``)."""
    if channel not in TemplateChannel.values:
        raise ArrearsError(MessagingError.TEMPLATE_SYNTAX, f"unknown channel {channel!r}")
    problems = template_check(organization=organization, channel=channel, subject=subject, body=body)
    if problems:
        raise ArrearsError(
            problems[0].code,
            "; ".join(f"{p.message} ({p.citation})" for p in problems),
            problems=[{"code": p.code, "citation": p.citation, "message": p.message} for p in problems],
        )
    existing = MessageTemplate.objects.select_for_update().filter(
        organization=organization, key=key, channel=channel, language=language
    )
    version = (existing.aggregate(v=Max("version"))["v"] or 0) + 1
    existing.filter(active=True).update(active=False)
    template = MessageTemplate.objects.create(
        organization=organization,
        key=key,
        channel=channel,
        language=language,
        version=version,
        name=name or key,
        subject=subject,
        body=body,
        active=True,
        created_by_label=actor.label or f"user:{actor.user_id}",
    )
    audit_record(
        actor=actor,
        event=Event.CONTACT_TEMPLATE_SAVED,
        subject_type="message_template",
        subject_id=template.pk,
        data={"key": key, "channel": channel, "language": language, "version": version},
    )
    return template


def template_current(
    *, organization_id: int, key: str, channel: str, language: str = "en"
) -> MessageTemplate:
    """The active version in the debtor's language, else in English."""
    for lang in dict.fromkeys((language, "en")):
        found = MessageTemplate.objects.filter(
            organization_id=organization_id, key=key, channel=channel, language=lang, active=True
        ).first()
        if found is not None:
            return found
    raise NotFound(MessagingError.TEMPLATE_NOT_FOUND, f"no {channel} template {key!r}")


# --- queueing ---------------------------------------------------------------------------------------------


def contact_point_for(*, debtor: Debtor, channel: str, given: ContactPoint | None = None) -> ContactPoint:
    kind = POINT_KIND.get(channel)
    if kind is None:
        raise ArrearsError(MessagingError.PROVIDER_NOT_CONFIGURED, f"no outbox delivery for {channel!r}")
    if given is not None:
        if given.debtor_id != debtor.pk or given.kind != kind:
            raise ArrearsError(MessagingError.WRONG_CONTACT_POINT, f"not a {kind} of this debtor")
        return given
    points = contact_points_usable(debtor=debtor, kind=kind, exclude_statuses=UNUSABLE)
    order = ["-is_primary", "id"]
    if kind == "phone":
        points = points.filter(label="mobile") or points
    point = points.order_by(*order).first()
    if point is None:
        raise ArrearsError(MessagingError.NO_CONTACT_POINT, f"debtor {debtor.pk} has no usable {kind}")
    return point


def _check_segments(channel: str, body: str) -> None:
    if channel == TemplateChannel.SMS and (size := sms_size(body)).segments > segment_limit():
        raise ArrearsError(
            MessagingError.TEMPLATE_TOO_MANY_SEGMENTS,
            f"the rendered text takes {size.segments} {size.encoding} segments; "
            f"the limit is {segment_limit()}",
        )


@transaction.atomic
def message_queue(
    *,
    template: MessageTemplate,
    account: Account,
    actor: Principal,
    debtor: Debtor | None = None,
    contact_point: ContactPoint | None = None,
    purpose: str = "collection",
    release_when_allowed: bool = False,
) -> OutboundMessage:
    """Render a template for one account and put it in the outbox as ``pending``; the delivery task runs
    once this transaction commits. The compliance gate decides at send time."""
    if account.organization_id != actor.organization_id or template.organization_id != actor.organization_id:
        raise NotFound(AccountError.NOT_FOUND, f"no account {account.pk}")
    debtor = debtor or primary_debtor(account)
    point = contact_point_for(debtor=debtor, channel=template.channel, given=contact_point)
    organization = organization_get(organization_id=account.organization_id)
    key = uuid.uuid4().hex
    plan = plans_current(account_ids=[account.pk]).get(account.pk)
    context = context_for(
        party=party_for(organization),
        account=account,
        debtor=debtor,
        plan=plan,
        key=key,
        channel=template.channel,
        today=utcnow().date(),
    )
    html = template.channel == TemplateChannel.LETTER
    body = render(template.body, context, html=html)
    _check_segments(template.channel, body)
    message = OutboundMessage.objects.create(
        organization_id=account.organization_id,
        debtor=debtor,
        account=account,
        contact_point=point,
        template=template,
        channel=template.channel,
        purpose=purpose,
        target=point.value,
        subject=render(template.subject, context).strip(),
        body=body,
        idempotency_key=key,
        release_when_allowed=release_when_allowed,
        created_by_label=actor.label or f"user:{actor.user_id}",
    )
    _audit(actor, message, Event.CONTACT_MESSAGE_QUEUED, template=template.pk, version=template.version)
    _enqueue_delivery(message)
    return message


def _system_message(
    *,
    debtor: Debtor,
    point: ContactPoint,
    account: Account,
    channel: str,
    purpose: str,
    subject: str,
    body: str,
) -> OutboundMessage:
    """A message the system writes itself (an opt-out confirmation), queued like any other."""
    actor = _actor(debtor.organization_id)
    message = OutboundMessage.objects.create(
        organization_id=debtor.organization_id,
        debtor=debtor,
        account=account,
        contact_point=point,
        channel=channel,
        purpose=purpose,
        target=point.value,
        subject=subject,
        body=body,
        idempotency_key=uuid.uuid4().hex,
        release_when_allowed=True,
        created_by_label=actor.label,
    )
    _audit(actor, message, Event.CONTACT_MESSAGE_QUEUED, purpose=purpose)
    _enqueue_delivery(message)
    return message


def receipt_email_queue(
    *, debtor: Debtor, account: Account, subject: str, body: str
) -> OutboundMessage | None:
    """A receipt for something the debtor did themselves (the portal): queued to their usable email and
    decided by the gate at send time like any message (held until allowed). None when they have no
    usable email, or have opted out of email for it."""
    try:
        point = contact_point_for(debtor=debtor, channel=TemplateChannel.EMAIL)
    except ArrearsError:
        return None
    return _system_message(
        debtor=debtor,
        point=point,
        account=account,
        channel=TemplateChannel.EMAIL,
        purpose="collection",
        subject=subject,
        body=body,
    )


def _enqueue_delivery(message: OutboundMessage, *, run_after: datetime | None = None) -> None:
    if message.channel == TemplateChannel.LETTER:
        return  # letters go out in a print batch (contact.letters.letter_batch_create)
    from .tasks import message_deliver_task

    message_id = message.pk

    def enqueue() -> None:
        task = message_deliver_task.using(run_after=run_after) if run_after else message_deliver_task
        task.enqueue(message_id=message_id)

    transaction.on_commit(enqueue)


def _audit(actor: Principal, message: OutboundMessage, event: Event, **data: Any) -> None:
    audit_record(
        actor=actor,
        event=event,
        subject_type="outbound_message",
        subject_id=message.pk,
        account_id=message.account_id,
        data={"channel": message.channel, "status": message.status, **data},
    )


# --- delivery ---------------------------------------------------------------------------------------------


def provider_for(channel: str) -> Provider:
    from .channels.email import EmailProvider
    from .channels.sms import sms_provider

    if channel == TemplateChannel.EMAIL:
        return EmailProvider()
    if channel == TemplateChannel.SMS:
        return sms_provider()
    raise ArrearsError(MessagingError.PROVIDER_NOT_CONFIGURED, f"no provider delivers {channel!r}")


def _provider_or_retry(channel: str) -> Provider:
    """A provider that is not set up is an operator's to fix, not the debtor's: the message goes back to
    the outbox with the reason and is retried on the usual back-off, as for a provider that is down."""
    try:
        return provider_for(channel)
    except ArrearsError as exc:
        raise DeliveryError(exc.message, code=exc.code) from exc


def outgoing(message: OutboundMessage) -> Outgoing:
    headers: dict[str, str] = {}
    html = ""
    if message.channel == TemplateChannel.EMAIL:
        from .channels.email import unsubscribe_headers

        if message.purpose != "optout_confirmation":
            headers = unsubscribe_headers(
                url=unsubscribe_url(message.idempotency_key),
                mailto=str(getattr(settings, "EMAIL_UNSUBSCRIBE_MAILTO", "")),
            )
        html = linebreaks(urlize(message.body, autoescape=True), autoescape=False)
    sender = ""
    if message.channel == TemplateChannel.EMAIL:
        # The organization's sender name on the configured address: "Summit Billing" <noreply@…>.
        organization = organization_get(organization_id=message.organization_id)
        address = parseaddr(str(settings.DEFAULT_FROM_EMAIL))[1]
        sender = formataddr((organization.email_sender_name or organization.name, address))
    return Outgoing(
        sender=sender,
        key=message.idempotency_key,
        to=message.target,
        body=message.body,
        subject=message.subject,
        headers=headers,
        html=html,
    )


def message_deliver(*, message_id: int, now: datetime | None = None) -> OutboundMessage:
    """Deliver one outbox message: decide at send time, send once, record. Safe to run any number of times.

    1. Under a row lock: a finished message is left alone; a held one is re-checked only when due; the
       gate decides; blocked -> held with its reasons (or cancelled); allowed -> ``sending``, committed.
    2. The provider call, outside any transaction, carrying the message's idempotency key.
    3. Recorded: ``sent``, the provider's id, and a ContactAttempt on the timeline.
    A message found in ``sending`` after ``SENDING_TIMEOUT`` was interrupted between 2 and 3: the provider
    is asked whether it went out, and it is recorded rather than sent again.
    """
    now = now or utcnow()
    claim = _claim(message_id=message_id, now=now)
    if claim is None:
        return OutboundMessage.objects.get(pk=message_id)
    message, recovering = claim
    notice_pdf = None
    try:
        provider = _provider_or_retry(message.channel)
        outgoing_message = outgoing(message)
        if is_validation_notice(message):
            consent_check(message, at=now)
            # Dated the day the gate let it go (the claim's time, the same on a retry of this attempt).
            notice = notice_render(message, at=message.sending_started_at or now)
            notice_pdf = notice.pdf
            outgoing_message = replace(
                outgoing_message, attachments=(notice.attachment(message.account.reference),)
            )
        if recovering:
            receipt = _recover(message, provider, outgoing_message, now=now)
            if receipt is not None:
                return receipt
        result = provider.send(outgoing_message)
    except DeliveryError as exc:
        return _record_failure(message_id=message.pk, error=exc, now=now)
    return _record_sent(message_id=message.pk, receipt=result, now=now, notice_pdf=notice_pdf)


def _recover(
    message: OutboundMessage, provider: Provider, out: Outgoing, *, now: datetime
) -> OutboundMessage | None:
    """An interrupted send: the recorded outcome if the provider has it; None means send again."""
    since = message.sending_started_at.isoformat() if message.sending_started_at else ""
    try:
        found = provider.lookup(out, since_text=since)
    except LookupUnsupported:
        # Sending again could double the message; at most once is the safer failure. A collector checks.
        return _record_sent(
            message_id=message.pk,
            receipt=Receipt(provider=provider.name, message_id=""),
            now=now,
            uncertain=True,
        )
    if found is not None:
        return _record_sent(message_id=message.pk, receipt=found, now=now)
    return None


@transaction.atomic
def _claim(*, message_id: int, now: datetime) -> tuple[OutboundMessage, bool] | None:
    message = (
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("account", "contact_point")
        .get(pk=message_id)
    )
    if message.channel == TemplateChannel.LETTER:
        return None
    if message.status == MessageStatus.SENDING:
        started = message.sending_started_at
        if started is not None and now - started < SENDING_TIMEOUT:
            return None  # another worker is sending it right now
        return message, True
    if message.status == MessageStatus.BLOCKED and not message.release_when_allowed:
        return None
    if message.status not in (MessageStatus.PENDING, MessageStatus.BLOCKED):
        return None
    if message.next_attempt_at is not None and message.next_attempt_at > now:
        return None
    actor = _actor(message.organization_id)
    decision = decide(
        account=message.account,
        channel=GATE_CHANNEL[TemplateChannel(message.channel)],
        target=message.contact_point or message.target,
        purpose=message.purpose,
        at=now,
        actor=actor,
        debtor=message.debtor,
    )
    message.decision = decision
    if not decision.proceeds:
        _hold(message, decision_reasons=decision.reasons, next_allowed_at=decision.next_allowed_at, now=now)
        return None
    message.status = MessageStatus.SENDING
    message.sending_started_at = now
    message.attempts += 1
    message.held_reasons = []
    message.save(
        update_fields=["status", "sending_started_at", "attempts", "held_reasons", "decision", "updated_at"]
    )
    _audit(actor, message, Event.CONTACT_MESSAGE_SENDING, decision=decision.pk, attempt=message.attempts)
    return message, False


def _hold(
    message: OutboundMessage,
    *,
    decision_reasons: list[dict[str, Any]],
    next_allowed_at: datetime | None,
    now: datetime,
) -> None:
    """Blocked at send time: held with the gate's reasons until allowed, or cancelled."""
    actor = _actor(message.organization_id)
    first_hold = message.status != MessageStatus.BLOCKED
    message.held_reasons = decision_reasons
    if message.release_when_allowed:
        message.status = MessageStatus.BLOCKED
        message.next_attempt_at = next_allowed_at
    else:
        message.status = MessageStatus.CANCELLED
        message.next_attempt_at = None
    if first_hold:
        # The timeline shows the block once; every later re-check is still a stored Decision.
        message.attempt = _attempt_create(message, outcome=Outcome.BLOCKED, at=now)
    message.save(
        update_fields=["status", "held_reasons", "next_attempt_at", "decision", "attempt", "updated_at"]
    )
    _audit(
        actor,
        message,
        Event.CONTACT_MESSAGE_HELD
        if message.status == MessageStatus.BLOCKED
        else Event.CONTACT_MESSAGE_CANCELLED,
        decision=message.decision_id,
        codes=[r["code"] for r in decision_reasons],
        next_allowed_at=next_allowed_at,
    )
    if message.status == MessageStatus.BLOCKED and next_allowed_at is not None:
        _enqueue_delivery(message, run_after=next_allowed_at)


def _attempt_create(message: OutboundMessage, *, outcome: str, at: datetime) -> ContactAttempt:
    """The message on the debtor's timeline, with the decision it went out (or was held) under.

    Written here rather than through ``contact_attempt_record``, which would decide a second time."""
    attempt = attempt_record(
        attempt=AttemptSpec(
            organization_id=message.organization_id,
            debtor_id=message.debtor_id,
            contact_point_id=message.contact_point_id,
            channel=GATE_CHANNEL[TemplateChannel(message.channel)],
            direction=Direction.OUTBOUND,
            outcome=outcome,
            target=message.target,
            at=at,
            decision_id=message.decision_id,
            notes=f"outbox message {message.pk}: {message.subject or message.body[:120]}",
            account_ids=[message.account_id],
        )
    )
    audit_record(
        actor=_actor(message.organization_id),
        event=Event.CONTACT_ATTEMPT_BLOCKED if outcome == Outcome.BLOCKED else Event.CONTACT_ATTEMPT_RECORDED,
        subject_type="debtor",
        subject_id=message.debtor_id,
        account_id=message.account_id,
        data={
            "attempt": attempt.pk,
            "channel": attempt.channel,
            "direction": Direction.OUTBOUND,
            "outcome": outcome,
            "decision": message.decision_id,
            "message": message.pk,
        },
    )
    return attempt


@transaction.atomic
def _record_sent(
    *,
    message_id: int,
    receipt: Receipt,
    now: datetime,
    uncertain: bool = False,
    notice_pdf: bytes | None = None,
) -> OutboundMessage:
    message = OutboundMessage.objects.select_for_update().get(pk=message_id)
    if message.status != MessageStatus.SENDING:
        return message
    message.status = MessageStatus.DELIVERED if receipt.status == "delivered" else MessageStatus.SENT
    message.provider = receipt.provider
    message.provider_message_id = receipt.message_id
    message.sent_at = now
    message.delivered_at = now if message.status == MessageStatus.DELIVERED else None
    message.delivery_uncertain = uncertain
    message.next_attempt_at = None
    message.last_error = "interrupted after hand-off; the provider cannot confirm it" if uncertain else ""
    message.attempt = _attempt_create(message, outcome=Outcome.DELIVERED, at=now)
    message.save(
        update_fields=[
            "status", "provider", "provider_message_id", "sent_at", "delivered_at", "delivery_uncertain",
            "next_attempt_at", "last_error", "attempt", "updated_at",
        ]
    )  # fmt: skip
    _audit(
        _actor(message.organization_id),
        message,
        Event.CONTACT_MESSAGE_SENT,
        provider=receipt.provider,
        provider_message_id=receipt.message_id,
        uncertain=uncertain,
    )
    if is_validation_notice(message) and not uncertain:
        # Provided when sent (12 CFR 1006.34(b)(5)): the validation period starts from this date. A send
        # the provider cannot confirm is not recorded as provided; the collector's task says to check.
        notice_sent(
            message=message,
            dated_at=message.sending_started_at or now,
            sent_at=now,
            actor=_actor(message.organization_id),
            pdf=notice_pdf,
        )
    if uncertain:
        CollectorTask.objects.create(
            organization_id=message.organization_id,
            kind=CollectorTaskKind.DELIVERY_UNCERTAIN,
            debtor_id=message.debtor_id,
            message=message,
            description=(
                f"Sending {message.channel} message {message.pk} to {message.target} was interrupted after "
                "it "
                "was handed to the provider, which cannot confirm it. It was not sent again; check and "
                "resend by hand if it did not arrive."
            ),
        )
    return message


@transaction.atomic
def _record_failure(*, message_id: int, error: DeliveryError, now: datetime) -> OutboundMessage:
    message = (
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("contact_point")
        .get(pk=message_id)
    )
    if message.status != MessageStatus.SENDING:
        return message
    actor = _actor(message.organization_id)
    message.last_error = str(error)[:2000]
    message.next_attempt_at = None
    if error.bounced:
        message.status = MessageStatus.BOUNCED
        contact_point_status_set(
            contact_point=message.contact_point, status=ContactStatus.INVALID, actor=actor, reason=str(error)
        )
    elif error.permanent or message.attempts >= len(BACKOFF_SECONDS):
        message.status = MessageStatus.FAILED
    else:
        message.status = MessageStatus.PENDING
        message.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS[message.attempts - 1])
    message.save(update_fields=["status", "last_error", "next_attempt_at", "updated_at"])
    _audit(actor, message, Event.CONTACT_MESSAGE_FAILED, error=error.code, retry_at=message.next_attempt_at)
    if message.status == MessageStatus.PENDING:
        _enqueue_delivery(message, run_after=message.next_attempt_at)
    return message


def messages_due(*, now: datetime, limit: int = 1000) -> list[int]:
    """Outbox rows a sweep should (re)try: pending or held-for-release and due, or stuck in sending."""
    from django.db.models import Q

    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(
        OutboundMessage.objects.exclude(channel=TemplateChannel.LETTER)
        .filter(
            (Q(status=MessageStatus.PENDING) & due)
            | (Q(status=MessageStatus.BLOCKED, release_when_allowed=True) & due)
            | Q(status=MessageStatus.SENDING, sending_started_at__lt=now - SENDING_TIMEOUT)
        )
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


# --- what the debtor does: unsubscribe, STOP/START, bounce, returned mail ---------------------------------


def _opted_out(debtor: Debtor, point: ContactPoint, channel: str) -> bool:
    return consent_opted_out(debtor=debtor, contact_point=point, channel=channel)


@transaction.atomic
def email_unsubscribe(*, token: str, at: datetime | None = None) -> OutboundMessage | None:
    """The signed one-click link was used: record the opt-out from email at that address and queue one
    confirmation. Using it again changes nothing and sends nothing. Returns the confirmation, if new."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        message = OutboundMessage.objects.select_related("debtor", "contact_point", "account").get(
            idempotency_key=payload["k"]
        )
    except (signing.BadSignature, KeyError, TypeError, OutboundMessage.DoesNotExist):
        raise ArrearsError(
            MessagingError.UNSUBSCRIBE_LINK_INVALID, "this unsubscribe link is not valid"
        ) from None
    debtor, point = message.debtor, message.contact_point
    if point is None:
        raise ArrearsError(MessagingError.UNSUBSCRIBE_LINK_INVALID, "the address of this message is gone")
    debtor_lock(debtor_id=debtor.pk)  # two clicks at once: one opt-out
    if _opted_out(debtor, point, "email"):
        return None
    actor = _actor(debtor.organization_id)
    consent_record(
        debtor=debtor,
        channel="email",
        kind="opt_out",
        granted=True,
        contact_point=point,
        source="email:list-unsubscribe",
        note=f"one-click unsubscribe from message {message.pk}",
        actor=actor,
        at=at,
    )
    party = party_for(organization_get(organization_id=debtor.organization_id))
    disclosure = " This communication is from a debt collector." if party.third_party else ""
    return _system_message(
        debtor=debtor,
        point=point,
        account=message.account,
        channel=TemplateChannel.EMAIL,
        purpose="optout_confirmation",
        subject=f"{party.name}: you are unsubscribed",
        body=(
            f"You asked us to stop emailing {point.value}. We have recorded it and will not email this "
            "address "
            f"again.{disclosure}\n\n{party.name}{' · ' + party.phone if party.phone else ''}"
        ),
    )


@dataclass(frozen=True, slots=True)
class InboundResult:
    inbound: InboundMessage
    duplicate: bool
    confirmations: tuple[OutboundMessage, ...] = ()


def inbound_keyword(body: str) -> str:
    word = " ".join(body.split()).upper()
    if word in STOP_WORDS:
        return InboundKind.STOP
    if word in START_WORDS:
        return InboundKind.START
    return InboundKind.MESSAGE


@transaction.atomic
def sms_inbound_receive(
    *,
    organization: Organization,
    provider_message_id: str,
    sender: str,
    recipient: str,
    body: str,
    at: datetime | None = None,
) -> InboundResult:
    """A text from a debtor. STOP words revoke SMS consent for that number at once and queue one
    confirmation; START words restore it; anything else lands on the timeline and raises a collector task.
    A webhook retried with the same provider id does nothing again."""
    from arrears.compliance.scenario import normalize_number

    if existing := InboundMessage.objects.filter(provider_message_id=provider_message_id).first():
        return InboundResult(existing, duplicate=True)
    when = at or utcnow()
    number = normalize_number(sender)
    kind = inbound_keyword(body)
    points = list(contact_points_by_phone(organization_id=organization.pk, number=number))
    inbound = InboundMessage.objects.create(
        organization=organization,
        channel=TemplateChannel.SMS,
        provider_message_id=provider_message_id,
        sender=number,
        recipient=recipient,
        body=body,
        kind=kind,
        received_at=when,
        debtor=points[0].debtor if points else None,
        contact_point=points[0] if points else None,
    )
    actor = _actor(organization.pk)
    audit_record(
        actor=actor,
        event=Event(f"contact.inbound_{kind}"),
        subject_type="inbound_message",
        subject_id=inbound.pk,
        data={"from": number, "points": [p.pk for p in points]},
    )
    confirmations: list[OutboundMessage] = []
    for point in points:
        debtor = point.debtor
        debtor_lock(debtor_id=debtor.pk)
        account = _latest_account(debtor)
        if kind == InboundKind.STOP:
            if _opted_out(debtor, point, "sms"):
                continue
            consent_record(
                debtor=debtor, channel="sms", kind="opt_out", granted=True, contact_point=point,
                source=f"sms:{body.strip().upper()}", actor=actor, at=when,
            )  # fmt: skip
            if account is not None:
                confirmations.append(_sms_confirmation(debtor, point, account, stop=True))
        elif kind == InboundKind.START:
            if not _opted_out(debtor, point, "sms"):
                continue
            consent_record(
                debtor=debtor, channel="sms", kind="opt_out", granted=False, contact_point=point,
                source=f"sms:{body.strip().upper()}", actor=actor, at=when,
            )  # fmt: skip
            consent_record(
                debtor=debtor, channel="sms", kind="consent", granted=True, contact_point=point,
                source=f"sms:{body.strip().upper()}", actor=actor, at=when,
            )  # fmt: skip
            if account is not None:
                confirmations.append(_sms_confirmation(debtor, point, account, stop=False))
    if kind == InboundKind.MESSAGE or not points:
        _inbound_to_timeline(inbound, points, when)
    return InboundResult(inbound, duplicate=False, confirmations=tuple(confirmations))


def _latest_account(debtor: Debtor) -> Account | None:
    return account_latest_of_debtor(debtor=debtor)


def _sms_confirmation(
    debtor: Debtor, point: ContactPoint, account: Account, *, stop: bool
) -> OutboundMessage:
    party = party_for(organization_get(organization_id=debtor.organization_id))
    name = party.envelope_name or party.name
    disclosure = " This is a debt collector." if party.third_party else ""
    if stop:
        text = f"{name}: you are unsubscribed and will get no more texts from us. Reply START to resubscribe."
    else:
        text = f"{name}: you are resubscribed to our texts. Reply STOP to opt out."
    return _system_message(
        debtor=debtor,
        point=point,
        account=account,
        channel=TemplateChannel.SMS,
        purpose="optout_confirmation" if stop else "collection",
        subject="",
        body=text + disclosure,
    )


def _inbound_to_timeline(inbound: InboundMessage, points: list[ContactPoint], when: datetime) -> None:
    actor = _actor(inbound.organization_id)
    for point in points:
        account = _latest_account(point.debtor)
        attempt = attempt_record(
            attempt=AttemptSpec(
                organization_id=inbound.organization_id,
                debtor_id=point.debtor_id,
                contact_point_id=point.pk,
                channel="sms",
                direction=Direction.INBOUND,
                outcome=Outcome.DELIVERED,
                target=inbound.sender,
                at=when,
                notes=inbound.body,
                account_ids=[account.pk] if account is not None else [],
            )
        )
        audit_record(
            actor=actor,
            event=Event.CONTACT_ATTEMPT_RECORDED,
            subject_type="debtor",
            subject_id=point.debtor_id,
            account_id=account.pk if account else None,
            data={"attempt": attempt.pk, "channel": "sms", "direction": "inbound", "inbound": inbound.pk},
        )
        if inbound.attempt_id is None:
            inbound.attempt = attempt
            inbound.save(update_fields=["attempt", "updated_at"])
    if inbound.kind == InboundKind.MESSAGE:
        CollectorTask.objects.create(
            organization_id=inbound.organization_id,
            kind=CollectorTaskKind.INBOUND_MESSAGE,
            debtor=points[0].debtor if points else None,
            inbound=inbound,
            description=f"Text from {inbound.sender}: {inbound.body[:500]}",
        )


@transaction.atomic
def message_bounce_record(
    *, message: OutboundMessage, kind: str = "bounce", reason: str = "", at: datetime | None = None
) -> OutboundMessage:
    """A bounce or complaint reported by the provider (webhook or mailbox): the message is ``bounced``
    and the address invalid; a complaint also records an opt-out from email."""
    message = (
        OutboundMessage.objects.select_for_update(of=("self",))
        .select_related("contact_point", "debtor")
        .get(pk=message.pk)
    )
    actor = _actor(message.organization_id)
    if kind == "complaint":
        if message.contact_point is not None and not _opted_out(
            message.debtor, message.contact_point, "email"
        ):
            consent_record(
                debtor=message.debtor, channel="email", kind="opt_out", granted=True,
                contact_point=message.contact_point, source="email:complaint", actor=actor, at=at,
            )  # fmt: skip
        return message
    if message.status == MessageStatus.BOUNCED:
        return message
    message.status = MessageStatus.BOUNCED
    message.last_error = reason[:2000]
    message.save(update_fields=["status", "last_error", "updated_at"])
    if message.attempt_id:
        attempt_outcome_set(attempt_id=message.attempt_id, outcome=Outcome.UNDELIVERABLE)
    status = (
        ContactStatus.UNDELIVERABLE if message.channel == TemplateChannel.LETTER else ContactStatus.INVALID
    )
    contact_point_status_set(
        contact_point=message.contact_point, status=status, actor=actor, reason=reason or kind
    )
    _audit(actor, message, Event.CONTACT_MESSAGE_BOUNCED, kind=kind, reason=reason[:500])
    return message


@transaction.atomic
def message_status_update(*, key: str, provider_status: str, error_code: str = "") -> OutboundMessage | None:
    """A provider's delivery report (Twilio status callback): delivered, or undelivered/failed."""
    message = OutboundMessage.objects.select_for_update().filter(idempotency_key=key).first()
    if message is None or message.status not in (MessageStatus.SENT, MessageStatus.SENDING):
        return message
    if provider_status in ("delivered", "read"):
        message.status = MessageStatus.DELIVERED
        message.delivered_at = utcnow()
        message.save(update_fields=["status", "delivered_at", "updated_at"])
        _audit(_actor(message.organization_id), message, Event.CONTACT_MESSAGE_DELIVERED)
        return message
    if provider_status in ("undelivered", "failed"):
        return message_bounce_record(
            message=message, reason=f"provider status {provider_status} {error_code}"
        )
    return message


# --- review tasks -----------------------------------------------------------------------------------------


@transaction.atomic
def collector_tasks_done(*, task_ids: Sequence[int], actor: Principal, note: str = "") -> int:
    """Close review tasks (an inbound text answered, a delivery checked); each closing is audited."""
    if any(not 0 < i < 2**63 for i in task_ids):  # an id no table holds (and the database cannot compare)
        raise NotFound(MessagingError.TASK_NOT_FOUND, "no such open task in this organization")
    tasks = list(
        CollectorTask.objects.select_for_update()
        .filter(organization_id=actor.organization_id, pk__in=task_ids, done_at__isnull=True)
        .order_by("pk")
    )
    if len(tasks) != len(set(task_ids)):
        raise NotFound(MessagingError.TASK_NOT_FOUND, "no such open task in this organization")
    now = utcnow()
    CollectorTask.objects.filter(pk__in=[t.pk for t in tasks]).update(done_at=now, updated_at=now)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CONTACT_TASK_DONE,
                subject_type="collector_task",
                subject_id=t.pk,
                data={"kind": t.kind, "note": note},
            )
            for t in tasks
        ],
    )
    return len(tasks)


# --- branding ---------------------------------------------------------------------------------------------

LOGO_TYPES = {"image/png": ".png", "image/jpeg": ".jpg", "image/svg+xml": ".svg"}


@transaction.atomic
def branding_set(
    *,
    organization_id: int,
    actor: Principal,
    primary_colour: str,
    accent_colour: str,
    envelope_name: str,
    return_address: str,
    logo: Any = None,
) -> OrganizationBranding:
    """The letterhead: colours, the neutral name in the envelope's return window (1006.22(f)(5): it may
    not show that the sender collects debts) and, when given, a new logo (PNG, JPEG or SVG)."""
    if reveals_debt_collection(envelope_name):
        raise ArrearsError(
            MessagingError.ENVELOPE_REVEALS_DEBT,
            "The envelope name may not show that you collect debts (12 CFR 1006.22(f)(5)).",
        )
    branding, _ = OrganizationBranding.objects.select_for_update().get_or_create(
        organization_id=organization_id
    )
    branding.primary_colour, branding.accent_colour = primary_colour, accent_colour
    branding.envelope_name, branding.return_address = envelope_name, return_address
    fields = ["primary_colour", "accent_colour", "envelope_name", "return_address", "updated_at"]
    if logo is not None:
        extension = LOGO_TYPES.get(getattr(logo, "content_type", ""), "")
        if not extension:
            raise ArrearsError(MessagingError.LOGO_INVALID, "The logo must be a PNG, JPEG or SVG image.")
        branding.logo.save(f"logo-{organization_id}{extension}", logo, save=False)
        fields.append("logo")
    branding.save(update_fields=fields)
    audit_record(
        actor=actor,
        event=Event.ORGANIZATION_SETTINGS_CHANGED,
        subject_type="branding",
        subject_id=organization_id,
        data={
            "primary_colour": primary_colour,
            "accent_colour": accent_colour,
            "envelope_name": envelope_name,
            "logo": bool(logo),
        },
    )
    return branding
