"""What every delivery channel offers the outbox: send one message with its idempotency key, and
look up whether a message with that key already went out (to recover from a crash)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message, ready for a provider: everything rendered, nothing left to look up."""

    key: str  # the outbox row's idempotency key
    to: str
    body: str
    subject: str = ""
    sender: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    html: str = ""
    not_before_text: str = ""
    # (file name, content, MIME type): a required disclosure sent as a PDF (the validation notice).
    attachments: tuple[tuple[str, bytes, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Receipt:
    provider: str
    message_id: str
    status: str = "sent"  # or "delivered" when the provider already knows


class DeliveryError(Exception):
    """The provider refused or failed. ``permanent``: retrying cannot help (bad address, blocked)."""

    def __init__(
        self, message: str, *, permanent: bool = False, bounced: bool = False, code: str = ""
    ) -> None:
        super().__init__(message)
        self.permanent = permanent or bounced
        self.bounced = bounced
        self.code = code


class LookupUnsupported(Exception):
    """The provider cannot say whether a message went out (plain SMTP)."""


class Provider(Protocol):
    name: str

    def send(self, message: Outgoing) -> Receipt: ...

    def lookup(self, message: Outgoing, *, since_text: str = "") -> Receipt | None:
        """The receipt of a message sent earlier with this key, or None when none was sent.

        Raises ``LookupUnsupported`` when the provider cannot tell."""
        ...
