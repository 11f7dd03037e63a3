"""Stripe Checkout through the official SDK: a hosted payment page per request, signed webhooks.

Configuration (environment): `STRIPE_API_KEY`, `STRIPE_WEBHOOK_SECRET` and, for tests or a proxy,
`STRIPE_API_BASE`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from decimal import Decimal
from types import ModuleType

from arrears.core.errors import ArrearsError
from arrears.core.money import minor_units

from ..errors import ProviderError
from . import CheckoutRequest, HostedCheckout, ProviderEvent

# Where Stripe hosts its checkout pages: the browser is sent there after a form POST, so the portal's
# Content-Security-Policy must allow it in form-action (arrears.portal.views).
CHECKOUT_ORIGIN = "https://checkout.stripe.com"


def checkout_origin() -> str:
    """The origin the hosted checkout is served from: Stripe's, or that of `STRIPE_API_BASE` when it is
    set (a test stand-in or a proxy serves both the API and the hosted page)."""
    from urllib.parse import urlsplit

    base = os.environ.get("STRIPE_API_BASE") or ""
    parts = urlsplit(base)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return CHECKOUT_ORIGIN


def _sdk() -> ModuleType:
    """The Stripe SDK, imported when a provider is first made: it loads aiohttp and its HTTP clients,
    about a second that every `arrears` command and worker would otherwise pay at start-up."""
    import stripe

    return stripe


PAID_EVENTS = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


class StripeProvider:
    name = "stripe"

    def __init__(self, *, api_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        self._webhook_secret = webhook_secret
        self._sdk = _sdk()
        self._client = self._sdk.StripeClient(
            api_key,
            base_addresses={"api": api_base} if api_base else None,
            max_network_retries=2,
        )

    @classmethod
    def from_env(cls) -> StripeProvider:
        return cls(
            api_key=os.environ.get("STRIPE_API_KEY", ""),
            webhook_secret=os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
            api_base=os.environ.get("STRIPE_API_BASE") or None,
        )

    def checkout_create(self, request: CheckoutRequest) -> HostedCheckout:
        unit = 10 ** minor_units(request.currency)
        metadata = {"organization_id": str(request.organization_id), "account_id": str(request.account_id)}
        try:
            session = self._client.v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": request.currency.lower(),
                                "unit_amount": int(request.amount * unit),
                                "product_data": {"name": request.description},
                            },
                        }
                    ],
                    "success_url": request.success_url,
                    "cancel_url": request.cancel_url,
                    "client_reference_id": str(request.account_id),
                    "metadata": metadata,
                    "payment_intent_data": {"metadata": metadata},
                },
                options={"idempotency_key": request.idempotency_key},
            )
        except self._sdk.StripeError as exc:
            raise ArrearsError(ProviderError.REQUEST_FAILED, f"Stripe refused the checkout: {exc}") from exc
        if not session.url:
            raise ArrearsError(ProviderError.REQUEST_FAILED, f"Stripe gave session {session.id} no URL")
        return HostedCheckout(session_id=session.id, url=session.url)

    def event_parse(self, payload: bytes, signature: str) -> ProviderEvent:
        try:
            event = self._sdk.Webhook.construct_event(payload, signature, self._webhook_secret)
        except (self._sdk.SignatureVerificationError, ValueError) as exc:
            raise ArrearsError(ProviderError.SIGNATURE_INVALID, f"webhook refused: {exc}") from exc
        session = event.data.object.to_dict()
        occurred = datetime.fromtimestamp(event.created, tz=UTC)
        if event.type in PAID_EVENTS and session.get("payment_status") == "paid":
            currency = str(session["currency"]).upper()
            return ProviderEvent(
                event_id=event.id,
                kind="paid",
                session_id=session["id"],
                amount=Decimal(int(session["amount_total"])) / 10 ** minor_units(currency),
                currency=currency,
                occurred_at=occurred,
                reference=str(session.get("payment_intent") or session["id"]),
            )
        if event.type == "checkout.session.expired":
            return ProviderEvent(
                event_id=event.id, kind="expired", session_id=session["id"], occurred_at=occurred
            )
        return ProviderEvent(event_id=event.id, kind="ignored")
