from django import template

register = template.Library()


@register.filter
def pct(value: object, places: int = 1) -> str:
    """A fraction as a percentage (0.025 → "2.5%"); "—" when there is no figure."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{places}f}%"  # type: ignore[arg-type]
