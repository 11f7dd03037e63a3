"""Words the debtor reads for codes stored in other apps (payment method and status, promise status),
in the portal's languages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "card": _("Card"),
    "ach": _("Bank debit"),
    "check": _("Check"),
    "cash": _("Cash"),
    "bank_transfer": _("Bank transfer"),
    "portal": _("Online"),
    "scheduled": _("Scheduled"),
    "posted": _("Received"),
    "reversed": _("Reversed"),
    "cancelled": _("Cancelled"),
    "nsf": _("Returned (not sufficient funds)"),
    "pending": _("Pending"),
    "kept": _("Kept"),
    "broken": _("Missed"),
    "sms": _("Text message"),
    "email": _("Email"),
    "call": _("Phone call"),
    "letter": _("Letter"),
    "mon": _("Monday"),
    "tue": _("Tuesday"),
    "wed": _("Wednesday"),
    "thu": _("Thursday"),
    "fri": _("Friday"),
    "sat": _("Saturday"),
    "sun": _("Sunday"),
}


@register.filter
def portal_label(code: str) -> str:
    return str(LABELS.get(code, code))
