"""Parsing shared by the money-in commands: organization, actor, account, amounts and dates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.management.base import CommandError, CommandParser

from arrears.accounts.selectors import account_get_by_reference, organizations_with_reference
from arrears.core.clock import parse_instant
from arrears.core.management.base import EXIT_USAGE
from arrears.core.money import Money, is_currency_code, quantize
from arrears.tenancy.domain import Principal, system_principal
from arrears.tenancy.selectors import organization_resolve

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.models import Organization


def usage(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_USAGE)


def add_org(parser: CommandParser) -> None:
    parser.add_argument("--org", help="organization slug (optional when there is only one)")
    parser.add_argument("--json", action="store_true", help="print a machine-readable result on stdout")


def add_account(parser: CommandParser) -> None:
    parser.add_argument("--account", required=True, metavar="REF", help="the client's account reference")
    parser.add_argument(
        "--client", metavar="CODE", help="client code, when several clients use the reference"
    )


def actor_for(options: dict) -> tuple[Organization, Principal]:
    among = None
    if options.get("account"):
        among = organizations_with_reference(reference=options["account"], client_code=options.get("client"))
    org = organization_resolve(slug=options.get("org"), client_code=options.get("client"), among=among)
    return org, system_principal(org.pk, "cli")


def account_for(actor: Principal, options: dict) -> Account:
    return account_get_by_reference(
        principal=actor, reference=options["account"], client_code=options.get("client")
    )


def parse_decimal(text: str, name: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise usage(f"{name}: not a number: {text!r}") from None
    if not value.is_finite():
        raise usage(f"{name}: not a number: {text!r}")
    return value


def parse_currency(text: str, name: str) -> str:
    """A currency code in any case, checked against ISO 4217 (`core.money`)."""
    code = text.strip().upper()
    if not is_currency_code(code):
        raise usage(f"{name}: not an ISO 4217 code: {text!r}")
    return code


def parse_money(text: str, currency: str, name: str = "--amount") -> Money:
    if not is_currency_code(currency):
        raise usage(f"--currency: not an ISO 4217 code: {currency!r}")
    value = parse_decimal(text, name)
    if quantize(value, currency) != value:
        raise usage(f"{name}: {text} has more decimals than {currency} allows")
    return Money(value, currency)


def parse_date(text: str, name: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise usage(f"{name}: not a date (YYYY-MM-DD): {text!r}") from None


def parse_when(text: str, name: str) -> datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise usage(f"{name}: not an ISO 8601 instant with an offset: {text!r} ({exc})") from None
