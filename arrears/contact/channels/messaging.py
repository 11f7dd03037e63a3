"""Private messaging channels (WhatsApp Business, a social network's direct message): the interface.

No implementation ships: none can be tested honestly on this machine without the vendor's sandbox.
An implementation is a class with ``name``, ``send(Outgoing) -> Receipt`` and ``lookup`` (see
``channels.base.Provider``) and declares ``visibility``. The outbox passes every message through the
compliance gate first, as for email and SMS, and ``check_visibility`` refuses anything that others than
the consumer could see: Reg F 1006.22(f)(4) forbids communicating through a social-media post that is
viewable by the general public or the consumer's contacts.
"""

from __future__ import annotations

from typing import Literal, Protocol

from arrears.core.errors import ArrearsError

from ..messaging_errors import MessagingError
from .base import Outgoing, Receipt

Visibility = Literal["private", "public", "contacts"]


class MessagingChannel(Protocol):
    name: str
    visibility: Visibility

    def send(self, message: Outgoing) -> Receipt: ...

    def lookup(self, message: Outgoing, *, since_text: str = "") -> Receipt | None: ...


def check_visibility(channel: MessagingChannel) -> None:
    """1006.22(f)(4): never a public post, nor one the consumer's friends or followers can see."""
    if channel.visibility != "private":
        raise ArrearsError(
            MessagingError.PUBLIC_POST_FORBIDDEN,
            f"{channel.name} posts are visible to others ({channel.visibility}); Reg F 1006.22(f)(4) allows "
            "only private messages",
        )
