"""The validation notice (12 CFR 1006.34) through the outbox: by email as a PDF attachment to a debtor who
gave E-SIGN consent (1006.42(b)), otherwise by letter, each recorded as provided on the day it goes out.

- **Email**: rendered when the gate lets it go (``messaging.message_deliver``), dated that day in the
  organization's time zone, attached as a PDF, and recorded (``ValidationNotice``, channel ``email``)
  with the message once the mail server took it. The validation period runs from that date.
- **Letter**: printed with its covering letter in the next batch (``letters.letter_batch_complete``),
  dated the day the batch is printed, and recorded (channel ``letter``) with the batch.

Why a PDF attachment rather than a link: 1006.42(a)(1) asks for a form the consumer can keep and open
later, which an attachment is without a login. A hyperlink alone would need the notice's content in
the email body to use the 1006.42(c)(2) safe harbour; the body carries a portal link as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from arrears.compliance.facts import Purpose
from arrears.compliance.notices import (
    provided_on_for,
    validation_notice_content,
    validation_notice_enclosure_html,
    validation_notice_pdf,
)
from arrears.compliance.services import validation_notice_record
from arrears.core.errors import ArrearsError
from arrears.tenancy.domain import Principal

from .channels.base import DeliveryError

if TYPE_CHECKING:
    from .models import OutboundMessage

PURPOSE = Purpose.VALIDATION_NOTICE.value


@dataclass(frozen=True, slots=True)
class RenderedNotice:
    provided_on: object
    pdf: bytes
    enclosure: str = ""

    def attachment(self, reference: str) -> tuple[str, bytes, str]:
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference)[:60]
        return (f"validation-notice-{safe}.pdf", self.pdf, "application/pdf")


def is_validation_notice(message: OutboundMessage) -> bool:
    return message.purpose == PURPOSE


def notice_render(message: OutboundMessage, *, at: datetime, enclosure: bool = False) -> RenderedNotice:
    """The notice for the message's account, dated the day it goes out: its PDF (for an email), or its
    HTML for a letter's enclosure (the letter batch's own pages are then its copy). A notice that cannot
    be rendered (no itemization date, a ledger that does not add up) is a permanent delivery failure."""
    provided_on = provided_on_for(organization_id=message.organization_id, at=at)
    try:
        content = validation_notice_content(account=message.account, provided_on=provided_on)
        if enclosure:
            return RenderedNotice(provided_on, b"", validation_notice_enclosure_html(content))
        pdf = validation_notice_pdf(content)
    except ArrearsError as exc:
        raise DeliveryError(f"validation notice: {exc.message}", permanent=True, code=exc.code) from exc
    return RenderedNotice(provided_on=provided_on, pdf=pdf)


def consent_check(message: OutboundMessage, *, at: datetime) -> None:
    """An emailed notice goes only while the E-SIGN consent stands: withdrawn (or the address opted out)
    after it was queued, the email fails for good and the next nightly run sends a letter instead."""
    from arrears.debtors.selectors import esign_standing

    from .messaging_choices import TemplateChannel

    if message.channel != TemplateChannel.EMAIL:
        return
    point = message.contact_point_id
    if point is None or not esign_standing(debtor_id=message.debtor_id, contact_point_id=point, at=at):
        raise DeliveryError(
            "no E-SIGN consent at this address any more (12 CFR 1006.42(b)); a letter follows",
            permanent=True,
            code="esign.withdrawn",
        )


def pages_split(pdf: bytes, spans: dict[int, tuple[int, int]]) -> dict[int, bytes]:
    """Cut a print file into letters, read once: for each key, pages ``first`` (1-based) to
    ``first + count - 1`` as a PDF of their own."""
    import io

    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    out: dict[int, bytes] = {}
    for key, (first, count) in spans.items():
        writer = PdfWriter()
        for number in range(first - 1, first - 1 + count):
            writer.add_page(reader.pages[number])
        buffer = io.BytesIO()
        writer.write(buffer)
        out[key] = buffer.getvalue()
    return out


def notice_sent(
    *,
    message: OutboundMessage,
    dated_at: datetime,
    sent_at: datetime,
    actor: Principal,
    pdf: bytes | None = None,
) -> None:
    """Record the notice the message carried as provided on the date it bears (the organization's local
    date of ``dated_at``), sent at ``sent_at``, once per message: the validation period, and so the
    dispute rules and holds, run from that date."""
    validation_notice_record(
        account=message.account,
        provided_on=provided_on_for(organization_id=message.organization_id, at=dated_at),
        actor=actor,
        channel=message.channel,
        sent_at=sent_at,
        delivered_to=message.target,
        message_id=message.pk,
        pdf=pdf,
    )
