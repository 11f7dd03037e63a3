"""What the contact pages and provider webhooks accept: bounded, so bad input is a 400, not a 500."""

from __future__ import annotations

from django import forms


class TemplatePreviewForm(forms.Form):
    format = forms.ChoiceField(
        label="Format", choices=[("", "page"), ("html", "page"), ("pdf", "PDF")], required=False
    )


class TwilioInboundForm(forms.Form):
    """Twilio's inbound-message parameters, bounded by the columns they are stored in."""

    MessageSid = forms.CharField(max_length=200)  # InboundMessage.provider_message_id
    From = forms.CharField(max_length=320)  # InboundMessage.sender
    To = forms.CharField(max_length=320, required=False)  # InboundMessage.recipient
    Body = forms.CharField(max_length=1600, required=False, strip=False)  # Twilio's own limit for a text


class TwilioStatusForm(forms.Form):
    key = forms.CharField(max_length=64, required=False)  # OutboundMessage.idempotency_key (query string)
    MessageStatus = forms.CharField(max_length=40, required=False)
    ErrorCode = forms.CharField(max_length=20, required=False)
