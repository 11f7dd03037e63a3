"""Letters: rendered to PDF with WeasyPrint in the organization's branding, printed in batches.

A batch is made in two steps so that it can always be finished without duplicates (DESIGN rule 9):
``letter_batch_create`` passes the letters through the compliance gate and assigns the allowed ones to
the batch; ``letter_batch_complete`` renders one print file and a manifest CSV and marks the letters
sent. If rendering is interrupted, completing the same batch again renders the same letters.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string

from arrears.attempts.choices import Outcome
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record_many
from arrears.compliance.services import GateRequest, decide_many
from arrears.core.bulk import update_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.core.spreadsheet import csv_writer
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .batch import attempts_create_many
from .content import reveals_debt_collection
from .messaging import message_bounce_record, party_for
from .messaging_choices import LetterBatchStatus, MessageStatus, TemplateChannel
from .messaging_errors import MessagingError
from .models import LetterBatch, OrganizationBranding, OutboundMessage
from .rendering import Party
from .validation_notices import is_validation_notice, notice_render, notice_sent, pages_split

if TYPE_CHECKING:
    from arrears.debtors.models import ContactPoint
    from arrears.tenancy.models import Organization

LETTER_BATCH_MAX = 2000  # letters per print file; a larger run makes several batches
MANIFEST_COLUMNS = (
    "sequence", "message_id", "account_reference", "recipient", "address_line1", "address_line2", "city",
    "state", "postal_code", "country", "first_page", "page_count", "letter_key",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LetterView:
    seq: int
    message: OutboundMessage
    party: Party
    return_lines: tuple[str, ...]
    recipient_lines: tuple[str, ...]
    date: date
    reference: str
    body: str
    # A required notice printed after the covering letter: the validation notice (Model Form B-1).
    enclosure: str = ""


def envelope_return_lines(party: Party) -> tuple[str, ...]:
    """What the return window shows: a neutral name (or none) and the return address, nothing else."""
    name = party.envelope_name or ("" if reveals_debt_collection(party.name) else party.name)
    lines = tuple(x for x in (name, *party.return_address.splitlines()) if x.strip())
    if reveals_debt_collection(" ".join(lines)):
        raise ArrearsError(
            MessagingError.ENVELOPE_REVEALS_DEBT,
            "the return address would show debt collection through the envelope window "
            "(12 CFR 1006.22(f)(5))",
        )
    return lines


def recipient_lines(name: str, point: ContactPoint) -> tuple[str, ...]:
    city_line = " ".join(
        x for x in (f"{point.city}," if point.city else "", point.state, point.postal_code) if x
    )
    country = "" if point.country in ("", "US") else point.country
    return tuple(x for x in (name, point.line1, point.line2, city_line, country) if x)


def _views(messages: Sequence[OutboundMessage], party: Party, today: date) -> list[LetterView]:
    returns = envelope_return_lines(party)
    views = []
    for seq, m in enumerate(messages, start=1):
        point = m.contact_point
        if point is None:
            raise ArrearsError(MessagingError.NO_CONTACT_POINT, f"letter {m.pk} has no address")
        views.append(
            LetterView(
                seq=seq,
                message=m,
                party=party,
                return_lines=returns,
                recipient_lines=recipient_lines(m.debtor.display_name, point),
                date=today,
                reference=m.account.reference,
                body=m.body,
            )
        )
    return views


def _logo_url(organization_id: int) -> str:
    branding = OrganizationBranding.objects.filter(pk=organization_id).first()
    if branding is None or not branding.logo:
        return ""
    try:
        return f"file://{branding.logo.path}"
    except NotImplementedError:  # remote storage: WeasyPrint fetches the URL
        return str(branding.logo.url)


@dataclass(frozen=True, slots=True)
class PrintFile:
    pdf: bytes
    pages: int
    first_pages: dict[int, int]  # letter seq -> first page (1-based)
    page_counts: dict[int, int]


def render_letters(views: Sequence[LetterView], *, logo_url: str = "") -> PrintFile:
    from weasyprint import HTML

    html = render_to_string("contact/letters.html", {"letters": views, "logo_url": logo_url})
    document = HTML(string=html, base_url="/").render()
    first: dict[int, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for anchor in page.anchors:
            if anchor.startswith("letter-"):
                first.setdefault(int(anchor.removeprefix("letter-")), number)
    total = len(document.pages)
    starts = [first[v.seq] for v in views]
    counts = {
        v.seq: (starts[i + 1] if i + 1 < len(starts) else total + 1) - starts[i] for i, v in enumerate(views)
    }
    pdf: bytes = document.write_pdf()
    return PrintFile(pdf=pdf, pages=total, first_pages=first, page_counts=counts)


def letter_pdf(*, message: OutboundMessage) -> bytes:
    """One letter on its own (a preview, or a copy for the evidence packet)."""
    if message.channel != TemplateChannel.LETTER:
        raise ArrearsError(MessagingError.NOT_A_LETTER, f"message {message.pk} is not a letter")
    party = party_for(organization_get(organization_id=message.organization_id))
    views = _views([message], party, (message.sent_at or utcnow()).date())
    return render_letters(views, logo_url=_logo_url(message.organization_id)).pdf


def manifest_csv(views: Sequence[LetterView], printed: PrintFile) -> str:
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    for v in views:
        point = v.message.contact_point
        assert point is not None
        writer.writerow(
            [
                v.seq, v.message.pk, v.reference, v.message.debtor.display_name, point.line1, point.line2,
                point.city, point.state, point.postal_code, point.country or "US", printed.first_pages[v.seq],
                printed.page_counts[v.seq], v.message.idempotency_key,
            ]
        )  # fmt: skip
    return out.getvalue()


@transaction.atomic
def letter_batch_create(
    *, organization: Organization, actor: Principal, at: datetime | None = None, limit: int = LETTER_BATCH_MAX
) -> LetterBatch | None:
    """Gather pending letters (and held ones whose hold may have cleared), pass each through the gate,
    hold the blocked ones with their reasons, and assign the allowed ones to a new open batch."""
    now = at or utcnow()
    from django.db.models import Case, Q, When

    candidates = list(
        OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(organization=organization, channel=TemplateChannel.LETTER, letter_batch__isnull=True)
        .filter(
            Q(status=MessageStatus.PENDING)
            | Q(status=MessageStatus.BLOCKED, release_when_allowed=True)
            & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        )
        .select_related("account", "contact_point")
        # New letters first, so that letters still held cannot crowd them out of a batch.
        .order_by(Case(When(status=MessageStatus.PENDING, then=0), default=1), "id")[:limit]
    )
    if not candidates:
        return None
    results = decide_many(
        requests=[
            GateRequest(
                account=m.account, channel="letter", target=m.contact_point, purpose=m.purpose, debtor=None
            )
            for m in candidates
        ],
        at=now,
        actor=actor,
    )
    allowed_ids = [m.pk for m, r in zip(candidates, results, strict=True) if r.allowed]
    batch = (
        LetterBatch.objects.create(organization=organization, created_by_label=actor.label or "system")
        if allowed_ids
        else None
    )
    allowed: dict[int, dict[str, Any]] = {}
    held: dict[int, dict[str, Any]] = {}
    newly_blocked = []
    for m, r in zip(candidates, results, strict=True):
        if r.allowed and batch is not None:
            allowed[m.pk] = {"letter_batch": batch.pk, "decision": r.decision_id, "held_reasons": []}
            continue
        status = MessageStatus.BLOCKED if m.release_when_allowed else MessageStatus.CANCELLED
        held[m.pk] = {
            "status": status, "decision": r.decision_id, "held_reasons": r.reasons,
            "next_attempt_at": r.next_allowed_at,
        }  # fmt: skip
        if m.status != MessageStatus.BLOCKED:
            newly_blocked.append((m, r.decision_id))
    update_rows(OutboundMessage, allowed, ["letter_batch", "decision", "held_reasons"])
    update_rows(OutboundMessage, held, ["status", "decision", "held_reasons", "next_attempt_at"])
    attempt_ids = attempts_create_many(
        actor=actor,
        messages=[
            {
                "id": m.pk,
                "organization_id": m.organization_id,
                "debtor_id": m.debtor_id,
                "contact_point_id": m.contact_point_id,
                "channel": m.channel,
                "outcome": Outcome.BLOCKED,
                "at": now,
                "target": m.target,
                "decision_id": decision_id,
                "subject": m.subject,
                "body": m.body,
                "account_id": m.account_id,
            }  # fmt: skip
            for m, decision_id in newly_blocked
        ],
    )
    update_rows(
        OutboundMessage,
        {m.pk: {"attempt": a} for (m, _), a in zip(newly_blocked, attempt_ids, strict=True)},
        ["attempt"],
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CONTACT_MESSAGE_HELD
                if h["status"] == MessageStatus.BLOCKED
                else Event.CONTACT_MESSAGE_CANCELLED,
                subject_type="outbound_message",
                subject_id=m.pk,
                account_id=m.account_id,
                data={
                    "channel": m.channel,
                    "status": h["status"],
                    "decision": h["decision"],
                    "codes": [r["code"] for r in h["held_reasons"]],
                },  # fmt: skip
            )
            for m in candidates
            if (h := held.get(m.pk)) is not None
        ],
    )
    if batch is None:
        return None
    batch.letter_count = len(allowed)
    batch.save(update_fields=["letter_count", "updated_at"])
    from arrears.audit.services import audit_record

    audit_record(
        actor=actor,
        event=Event.CONTACT_LETTER_BATCH_CREATED,
        subject_type="letter_batch",
        subject_id=batch.pk,
        data={"letters": len(allowed), "held": len(held)},
    )
    return batch


def letter_batch_complete(*, batch_id: int, actor: Principal, at: datetime | None = None) -> LetterBatch:
    """Render the batch's print file and manifest, then mark its letters sent. Safe to run again."""
    batch = LetterBatch.objects.get(pk=batch_id)
    if batch.status == LetterBatchStatus.COMPLETE:
        return batch
    now = at or utcnow()
    messages = list(
        OutboundMessage.objects.filter(letter_batch=batch)
        .select_related("account", "contact_point", "debtor")
        .order_by("id")
    )
    party = party_for(organization_get(organization_id=batch.organization_id))
    # Validation notices are dated the day they are printed, and recorded as provided on it.
    notices = {m.pk: notice_render(m, at=now, enclosure=True) for m in messages if is_validation_notice(m)}
    views = [
        replace(v, enclosure=notices[v.message.pk].enclosure) if v.message.pk in notices else v
        for v in _views(messages, party, now.date())
    ]
    printed = render_letters(views, logo_url=_logo_url(batch.organization_id))
    manifest = manifest_csv(views, printed)
    return _batch_record(
        batch_id=batch.pk,
        printed=printed,
        manifest=manifest,
        messages=messages,
        actor=actor,
        now=now,
        # The copy kept of each notice is the letter as printed (covering page and notice).
        notices=pages_split(
            printed.pdf,
            {
                v.message.pk: (printed.first_pages[v.seq], printed.page_counts[v.seq])
                for v in views
                if v.message.pk in notices
            },
        )
        if notices
        else {},
    )


@transaction.atomic
def _batch_record(
    *,
    batch_id: int,
    printed: PrintFile,
    manifest: str,
    messages: list[OutboundMessage],
    actor: Principal,
    now: datetime,
    notices: dict[int, bytes] | None = None,
) -> LetterBatch:
    batch = LetterBatch.objects.select_for_update().get(pk=batch_id)
    if batch.status == LetterBatchStatus.COMPLETE:
        return batch  # another run finished it first
    stamp = f"{now:%Y%m%d}-{batch.pk}"
    batch.print_file.save(f"letters-{stamp}.pdf", ContentFile(printed.pdf), save=False)
    batch.manifest.save(f"letters-{stamp}.csv", ContentFile(manifest.encode()), save=False)
    batch.status = LetterBatchStatus.COMPLETE
    batch.page_count = printed.pages
    batch.completed_at = now
    batch.save(update_fields=["print_file", "manifest", "status", "page_count", "completed_at", "updated_at"])
    attempt_ids = attempts_create_many(
        actor=actor,
        messages=[
            {
                "id": m.pk,
                "organization_id": m.organization_id,
                "debtor_id": m.debtor_id,
                "contact_point_id": m.contact_point_id,
                "channel": m.channel,
                "outcome": Outcome.DELIVERED,
                "at": now,
                "target": m.target,
                "decision_id": m.decision_id,
                "subject": m.subject,
                "body": f"letter in batch {batch.pk}",
                "account_id": m.account_id,
            }  # fmt: skip
            for m in messages
        ],
    )
    update_rows(
        OutboundMessage,
        {
            m.pk: {
                "status": MessageStatus.SENT,
                "provider": "print",
                "provider_message_id": f"batch-{batch.pk}",
                "sent_at": now,
                "attempt": a,
            }  # fmt: skip
            for m, a in zip(messages, attempt_ids, strict=True)
        },
        ["status", "provider", "provider_message_id", "sent_at", "attempt"],
    )
    for m in messages:
        if notices and m.pk in notices:
            notice_sent(message=m, dated_at=now, sent_at=now, actor=actor, pdf=notices[m.pk])
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CONTACT_MESSAGE_SENT,
                subject_type="outbound_message",
                subject_id=m.pk,
                account_id=m.account_id,
                data={"channel": m.channel, "status": MessageStatus.SENT, "batch": batch.pk},
            )
            for m in messages
        ],
    )
    from arrears.audit.services import audit_record

    audit_record(
        actor=actor,
        event=Event.CONTACT_LETTER_BATCH_COMPLETED,
        subject_type="letter_batch",
        subject_id=batch.pk,
        data={
            "letters": len(messages),
            "pages": printed.pages,
            "sha256": hashlib.sha256(printed.pdf).hexdigest(),
        },
    )
    return batch


def letter_returned(
    *, message: OutboundMessage, reason: str = "returned by the post office"
) -> OutboundMessage:
    """Returned mail: the letter is ``bounced`` and the address undeliverable."""
    if message.channel != TemplateChannel.LETTER:
        raise ArrearsError(MessagingError.NOT_A_LETTER, f"message {message.pk} is not a letter")
    return message_bounce_record(message=message, kind="returned_mail", reason=reason)
