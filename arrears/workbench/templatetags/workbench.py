from django import template

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
