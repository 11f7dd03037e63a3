"""The provider webhook endpoints: parse, call one service, answer. Stripe retries anything but a 2xx."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from arrears.core.errors import ArrearsError

from .card import card_webhook_handle
from .providers.stripe_provider import StripeProvider


@csrf_exempt  # authenticated by the Stripe-Signature header instead
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    try:
        session = card_webhook_handle(
            provider=StripeProvider.from_env(),
            payload=request.body,
            signature=request.headers.get("Stripe-Signature", ""),
        )
    except ArrearsError as exc:
        return JsonResponse(exc.as_dict(), status=400, content_type="application/problem+json")
    return JsonResponse({"received": True, "status": session.status if session else "ignored"})
