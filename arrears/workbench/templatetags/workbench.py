from datetime import UTC, date, datetime

from django import template
from django.utils import timezone

register = template.Library()


def _describe(value: object) -> str:
    if isinstance(value, dict):
        if {"kind", "bucket", "amount"} <= value.keys():
            return f"{value['kind']} {value['bucket']} {value['amount']}"
        return ", ".join(
            f"{k.replace('_', ' ')} {_describe(v)}" for k, v in value.items() if v not in (None, "", [])
        )
    if isinstance(value, list | tuple):
        return "; ".join(_describe(v) for v in value if v not in (None, ""))
    return str(value)


@register.filter
def event_details(data: object) -> str:
    """An audit event's data as a short readable line: 'from new, to active, reason demo data'."""
    return _describe(data) if data else ""


def _instant(value: object) -> datetime | None:
    if isinstance(value, str) and value:
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


@register.filter
def when(value: object) -> str:
    """An instant in the active (the organization's) time zone, in the one format staff pages use:
    '2026-03-10 14:00 EDT'."""
    instant = _instant(value)
    if instant is None:
        return "—"
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, UTC)
    local = timezone.localtime(instant)
    return f"{local:%Y-%m-%d %H:%M} {local.tzname()}"


@register.filter
def day(value: object) -> str:
    """A date in the same format: '2026-03-10'."""
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d}" if timezone.is_aware(value) else f"{value:%Y-%m-%d}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return "—"


@register.filter
def input_value(value: object) -> str:
    """A form value as an <input> takes it: dates as YYYY-MM-DD (what type=date sends and shows), not in
    the display format."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            f"{timezone.localtime(value):%Y-%m-%dT%H:%M}"
            if timezone.is_aware(value)
            else f"{value:%Y-%m-%dT%H:%M}"
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
