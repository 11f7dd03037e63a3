from decimal import Decimal

from django import template

from arrears.core.money import quantize

register = template.Library()


@register.simple_tag
def money(amount: Decimal | None, currency: str) -> str:
    """An amount in its currency's minor units, grouped: 1,000.00 USD."""
    if amount is None:
        return ""
    return f"{quantize(Decimal(amount), currency):,} {currency}"
