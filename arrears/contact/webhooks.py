"""Provider webhooks: Twilio inbound texts and status callbacks, and email bounces and complaints.

Each verifies the caller before anything is read: Twilio's X-Twilio-Signature (HMAC-SHA1 over the URL
and the form parameters, checked with the SDK's RequestValidator), and a shared secret for bounces.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from arrears.core.errors import ArrearsError
from arrears.tenancy.selectors import organization_list

from .errors import ContactError
from .forms import TwilioInboundForm, TwilioStatusForm
from .messaging import message_bounce_record, message_status_update, sms_inbound_receive
from .messaging_errors import MessagingError
from .selectors import message_for_provider_report

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url(request: HttpRequest) -> str:
    """The URL Twilio signed: the configured public base (behind a proxy) or the request's own."""
    base = str(getattr(settings, "TWILIO_WEBHOOK_BASE_URL", "") or "").rstrip("/")
    return f"{base}{request.get_full_path()}" if base else request.build_absolute_uri()


def twilio_signature_valid(request: HttpRequest) -> bool:
    from twilio.request_validator import RequestValidator

    token = str(getattr(settings, "TWILIO_AUTH_TOKEN", ""))
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    params = {k: request.POST.get(k, "") for k in request.POST}
    return bool(RequestValidator(token).validate(public_url(request), params, signature))


def _bad_payload(form: TwilioInboundForm | TwilioStatusForm) -> JsonResponse:
    return JsonResponse(
        {"code": ContactError.BAD_PAYLOAD, "message": "the parameters are not valid", "errors": form.errors},
        status=400,
    )


@csrf_exempt
@require_POST
def twilio_inbound(request: HttpRequest, org_slug: str) -> HttpResponse:
    if not twilio_signature_valid(request):
        return HttpResponseForbidden(MessagingError.WEBHOOK_SIGNATURE_INVALID)
    organization = get_object_or_404(organization_list(), slug=org_slug)
    form = TwilioInboundForm(request.POST)
    if not form.is_valid():
        return _bad_payload(form)
    sms_inbound_receive(
        organization=organization,
        provider_message_id=form.cleaned_data["MessageSid"],
        sender=form.cleaned_data["From"],
        recipient=form.cleaned_data["To"],
        body=form.cleaned_data["Body"],
    )
    # Confirmations go out through our outbox (and its compliance gate), not as a TwiML reply.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest, org_slug: str) -> HttpResponse:
    if not twilio_signature_valid(request):
        return HttpResponseForbidden(MessagingError.WEBHOOK_SIGNATURE_INVALID)
    get_object_or_404(organization_list(), slug=org_slug)
    form = TwilioStatusForm({**request.POST.dict(), "key": request.GET.get("key", "")})
    if not form.is_valid():
        return _bad_payload(form)
    message_status_update(
        key=form.cleaned_data["key"],
        provider_status=form.cleaned_data["MessageStatus"],
        error_code=form.cleaned_data["ErrorCode"],
    )
    return HttpResponse(status=204)


@csrf_exempt
@require_POST
def email_bounce(request: HttpRequest, org_slug: str) -> HttpResponse:
    """A bounce or complaint: JSON ``{"message_id": "<key@domain>", "type": "bounce"|"complaint",
    "reason": "..."}`` with ``Authorization: Bearer <EMAIL_WEBHOOK_SECRET>``. (An ESP connected through
    django-anymail can post its tracking webhook to anymail's own URL instead; see docs/contact.md.)"""
    secret = str(getattr(settings, "EMAIL_WEBHOOK_SECRET", ""))
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not secret or not hmac.compare_digest(given, secret):
        return HttpResponseForbidden(MessagingError.WEBHOOK_SIGNATURE_INVALID)
    organization = get_object_or_404(organization_list(), slug=org_slug)
    try:
        payload = json.loads(request.body)
        message_id = str(payload["message_id"]).strip().strip("<>")
        kind = str(payload.get("type", "bounce"))
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"code": ContactError.BAD_PAYLOAD, "message": "expected message_id and type"}, status=400
        )
    message = message_for_provider_report(organization_id=organization.pk, message_id=message_id)
    if message is None:
        return JsonResponse({"code": "contact.message_not_found", "message": "no such message"}, status=404)
    try:
        message_bounce_record(message=message, kind=kind, reason=str(payload.get("reason", ""))[:2000])
    except ArrearsError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    return HttpResponse(status=204)
