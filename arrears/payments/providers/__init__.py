"""Online card payments go through a `PaymentProvider`; Stripe (hosted Checkout) is the first one.

A provider opens a hosted checkout for an amount on an account, and turns its signed webhook calls into
`ProviderEvent`s. `arrears.payments.providers.services` stores the sessions and posts the payment once
per session, however many times the provider delivers the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    organization_id: int
    account_id: int
    amount: Decimal
    currency: str
    description: str
    success_url: str
    cancel_url: str
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class HostedCheckout:
    session_id: str
    url: str


@dataclass(frozen=True, slots=True)
class ProviderEvent:
    """What a webhook call means to us. `kind`: `paid`, `expired` or `ignored`."""

    event_id: str
    kind: str
    session_id: str = ""
    amount: Decimal | None = None
    currency: str = ""
    occurred_at: datetime | None = None
    reference: str = ""


class PaymentProvider(Protocol):
    name: str

    def checkout_create(self, request: CheckoutRequest) -> HostedCheckout:
        """Open a hosted checkout page; the same idempotency key gives the same session."""
        ...

    def event_parse(self, payload: bytes, signature: str) -> ProviderEvent:
        """Verify a webhook call's signature and read it; raises `PROVIDER_SIGNATURE_INVALID`."""
        ...
