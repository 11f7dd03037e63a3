"""Rendering templates in a sandbox: Django's template language over a prepared, plain context.

The engine has only the tags and filters of ``template_library`` (no ``load``, ``include``, ``url`` or
``safe``), and the context holds only strings, numbers, dates and dicts of them: a template cannot reach
a model, a manager or a method with side effects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.template import Context, Engine, Template, TemplateSyntaxError

from arrears.core.errors import ArrearsError
from arrears.core.money import quantize

from .messaging_errors import MessagingError

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CAD": "CA$", "AUD": "A$"}


class SandboxEngine(Engine):
    default_builtins = ["arrears.contact.template_library"]


TEXT_ENGINE = SandboxEngine(autoescape=False, libraries={}, string_if_invalid="")
HTML_ENGINE = SandboxEngine(autoescape=True, libraries={}, string_if_invalid="")


@lru_cache(maxsize=512)
def compile_template(source: str, *, html: bool = False) -> Template:
    try:
        return (HTML_ENGINE if html else TEXT_ENGINE).from_string(source)
    except TemplateSyntaxError as exc:
        raise ArrearsError(MessagingError.TEMPLATE_SYNTAX, f"template error: {exc}") from exc


def render(source: str, context: dict[str, Any], *, html: bool = False) -> str:
    return compile_template(source, html=html).render(Context(context, autoescape=html))


def money_text(amount: Decimal, currency: str) -> str:
    value = quantize(amount, currency)
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{symbol}{value:,}" if symbol else f"{value:,} {currency}"


@dataclass(frozen=True, slots=True)
class Party:
    """What a template may know about the organization (name, letterhead, branding)."""

    name: str
    legal_name: str
    phone: str
    address: str
    envelope_name: str
    return_address: str
    primary_colour: str
    accent_colour: str
    third_party: bool

    def as_context(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "legal_name": self.legal_name or self.name,
            "phone": self.phone,
            "address": self.address,
            "primary_colour": self.primary_colour,
            "accent_colour": self.accent_colour,
        }


def base_url() -> str:
    return str(getattr(settings, "ARREARS_BASE_URL", "http://localhost:8000")).rstrip("/")


def message_context(
    *,
    party: Party,
    debtor: dict[str, str],
    account: dict[str, Any],
    plan: dict[str, Any] | None = None,
    unsubscribe_url: str = "",
    portal_url: str = "",
    today: date | None = None,
) -> dict[str, Any]:
    """The whole context a template sees. Every value is plain data prepared here."""
    return {
        "organization": party.as_context(),
        "debtor": debtor,
        "account": account,
        "plan": plan,
        "portal_url": portal_url or f"{base_url()}/portal/",
        "unsubscribe_url": unsubscribe_url,
        "opt_out_text": "Reply STOP to opt out.",
        "debt_collector_disclosure": "This communication is from a debt collector."
        if party.third_party
        else "",
        "business_name": party.envelope_name or party.name,
        "caller_name": party.envelope_name or party.name,
        "callback_number": party.phone,
        "today": today,
    }


def debtor_context(*, first_name: str, last_name: str, name: str) -> dict[str, str]:
    return {"first_name": first_name, "last_name": last_name, "name": name}


def account_context(
    *,
    reference: str,
    creditor: str,
    original_creditor: str,
    currency: str,
    principal: Decimal,
    interest: Decimal,
    fees: Decimal,
    costs: Decimal,
) -> dict[str, Any]:
    total = principal + interest + fees + costs
    return {
        "reference": reference,
        "creditor": creditor,
        "original_creditor": original_creditor or creditor,
        "currency": currency,
        "balance": money_text(total, currency),
        "balance_amount": quantize(total, currency),
        "balances": {
            "principal": money_text(principal, currency),
            "interest": money_text(interest, currency),
            "fees": money_text(fees, currency),
            "costs": money_text(costs, currency),
        },
    }


def demo_context(party: Party) -> dict[str, Any]:
    """The context a preview (and the save-time checks) render with: a realistic, made-up debtor."""
    return message_context(
        party=party,
        debtor=debtor_context(
            first_name="Maria", last_name="Gonzalez-Whitfield", name="Maria Gonzalez-Whitfield"
        ),
        account=account_context(
            reference="INV-2026-004817",
            creditor="Northwind Dental Group",
            original_creditor="Northwind Dental Group",
            currency="USD",
            principal=Decimal("1248.50"),
            interest=Decimal("37.12"),
            fees=Decimal("25.00"),
            costs=Decimal("0"),
        ),
        plan={"amount": "$104.04", "frequency": "monthly", "next_due_on": date(2026, 4, 1)},
        unsubscribe_url=f"{base_url()}/contact/unsubscribe/DEMO-TOKEN-0000000000000000000000/",
        today=date(2026, 3, 10),
    )
