"""Texts through an ``SmsProvider``. The first implementation is Twilio, through its official SDK.

Twilio has no idempotency key for creating a message, so the outbox key is recovered the other way:
after a crash, ``lookup`` lists the messages Twilio holds to that number since the send began and
matches the exact body (each body is rendered for one debtor and one account).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from django.conf import settings

from arrears.core.errors import ArrearsError

from ..messaging_errors import MessagingError
from .base import DeliveryError, Outgoing, Receipt

# Twilio error codes that no retry can fix: invalid or unreachable 'To', unsubscribed recipient.
PERMANENT_CODES = frozenset({21211, 21212, 21217, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006})
UNSUBSCRIBED_CODE = 21610


class SmsProvider(Protocol):
    name: str

    def send(self, message: Outgoing) -> Receipt: ...

    def lookup(self, message: Outgoing, *, since_text: str = "") -> Receipt | None: ...


class TwilioSmsProvider:
    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base_url: str = "",
        status_callback: str = "",
    ) -> None:
        from twilio.rest import Client

        if not account_sid or not auth_token or not (from_number or messaging_service_sid):
            raise ArrearsError(
                MessagingError.PROVIDER_NOT_CONFIGURED,
                "Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER (or a messaging "
                "service)",
            )
        self.client = Client(account_sid, auth_token)
        if api_base_url:  # a regional edge, a proxy, or the test stand-in
            self.client.api.base_url = api_base_url.rstrip("/")
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.status_callback = status_callback

    def send(self, message: Outgoing) -> Receipt:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        kwargs: dict[str, str] = {"to": message.to, "body": message.body}
        if self.messaging_service_sid:
            kwargs["messaging_service_sid"] = self.messaging_service_sid
        else:
            kwargs["from_"] = self.from_number
        if self.status_callback:
            kwargs["status_callback"] = f"{self.status_callback}?key={message.key}"
        try:
            created = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429)
            raise DeliveryError(
                f"Twilio {exc.code}: {exc.msg}", permanent=permanent, code=f"twilio.{exc.code}"
            ) from exc
        except (TwilioException, OSError) as exc:
            raise DeliveryError(f"Twilio unavailable: {exc}", code="twilio.unavailable") from exc
        return Receipt(provider=self.name, message_id=str(created.sid), status=_status(created.status))

    def lookup(self, message: Outgoing, *, since_text: str = "") -> Receipt | None:
        from twilio.base.exceptions import TwilioException

        since = datetime.fromisoformat(since_text) if since_text else None
        filters: dict[str, object] = {"to": message.to, "limit": 50}
        if self.from_number and not self.messaging_service_sid:
            filters["from_"] = self.from_number
        try:
            found = self.client.messages.list(**filters)  # type: ignore[arg-type]
        except (TwilioException, OSError) as exc:
            raise DeliveryError(f"Twilio unavailable: {exc}", code="twilio.unavailable") from exc
        for item in found:
            created = item.date_created
            if item.body == message.body and (
                since is None or created is None or created >= since.replace(microsecond=0)
            ):
                return Receipt(provider=self.name, message_id=str(item.sid), status=_status(item.status))
        return None


def _status(twilio_status: str | None) -> str:
    return "delivered" if twilio_status in ("delivered", "read") else "sent"


def sms_provider() -> SmsProvider:
    """The configured provider (settings ``SMS_PROVIDER``; only ``twilio`` ships)."""
    kind = getattr(settings, "SMS_PROVIDER", "twilio")
    if kind != "twilio":
        raise ArrearsError(MessagingError.PROVIDER_NOT_CONFIGURED, f"unknown SMS provider {kind!r}")
    return TwilioSmsProvider(
        account_sid=settings.TWILIO_ACCOUNT_SID,
        auth_token=settings.TWILIO_AUTH_TOKEN,
        from_number=settings.TWILIO_FROM_NUMBER,
        messaging_service_sid=settings.TWILIO_MESSAGING_SERVICE_SID,
        api_base_url=settings.TWILIO_API_BASE_URL,
        status_callback=settings.TWILIO_STATUS_CALLBACK_URL,
    )
