"""Email through Django's mail framework: SMTP by default, any ESP through django-anymail.

Each email carries a Message-ID made from the outbox key, and RFC 8058 one-click unsubscribe headers.
Plain SMTP cannot be asked afterwards whether a message went out, so ``lookup`` is unsupported.
"""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers

from .base import DeliveryError, LookupUnsupported, Outgoing, Receipt


def message_id_for(key: str) -> str:
    domain = str(getattr(settings, "EMAIL_MESSAGE_ID_DOMAIN", "arrears.localhost"))
    return f"<{key}@{domain}>"


def unsubscribe_headers(*, url: str, mailto: str = "") -> dict[str, str]:
    """RFC 2369 List-Unsubscribe with an HTTPS link, and RFC 8058 one-click POST."""
    targets = [f"<{url}>"] + ([f"<mailto:{mailto}?subject=unsubscribe>"] if mailto else [])
    return {"List-Unsubscribe": ", ".join(targets), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


class EmailProvider:
    name = "email"

    def __init__(self, *, mailer: str = "") -> None:
        # A mailer alias from settings.MAILERS (EMAIL_URL sets "default").
        self.mailer = mailer or str(getattr(settings, "CONTACT_MAILER", "default"))

    def send(self, message: Outgoing) -> Receipt:
        headers = {"Message-ID": message_id_for(message.key), **message.headers}
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=message.sender or settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers=headers,
        )
        if message.html:
            email.attach_alternative(message.html, "text/html")
        for name, content, mimetype in message.attachments:
            email.attach(name, content, mimetype)
        try:
            sent = email.send(using=self.mailer)
        except smtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(
                f"recipient refused: {exc.recipients}", bounced=True, code="smtp.refused"
            ) from exc
        except smtplib.SMTPResponseException as exc:
            permanent = 500 <= exc.smtp_code < 600
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", permanent=permanent, code=f"smtp.{exc.smtp_code}"
            ) from exc
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"mail server unavailable: {exc}", code="smtp.unavailable") from exc
        if not sent:
            raise DeliveryError("the mail backend accepted nothing", code="smtp.not_sent")
        # An ESP through anymail reports its own id; plain SMTP has only our Message-ID.
        status = getattr(email, "anymail_status", None)
        esp_id = getattr(status, "message_id", None) if status is not None else None
        return Receipt(
            provider=self._backend_name(), message_id=str(headers["Message-ID"] if esp_id is None else esp_id)
        )

    def lookup(self, message: Outgoing, *, since_text: str = "") -> Receipt | None:
        raise LookupUnsupported("SMTP cannot tell whether an earlier send went out")

    def _backend_name(self) -> str:
        backend = type(mailers[self.mailer]).__module__
        return "anymail" if backend.startswith("anymail") else "smtp" if "smtp" in backend else backend
