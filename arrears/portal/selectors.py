"""What the portal reads: the debtor's accounts with this organization, their money, where a code may
go, the organization's limits and branding."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from arrears.accounts.selectors import accounts_of_debtor
from arrears.compliance.selectors import holds_for_account
from arrears.contact.messaging import UNUSABLE, party_for
from arrears.core.clock import utcnow
from arrears.core.errors import NotFound
from arrears.debtors.selectors import consents_for_decisions, contact_points_to_message, debtors_in_bulk
from arrears.ledger.selectors import ledger_balances
from arrears.payments.selectors import (
    CurrentPlan,
    payments_for_accounts,
    plans_current,
    promises_for_accounts,
    settlements_open_for_accounts,
)
from arrears.tenancy.domain import system_principal

from . import domain
from .errors import PortalError
from .models import PortalLimits

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import Debtor
    from arrears.payments.models import Payment, Promise
    from arrears.tenancy.models import Organization

# Channels a code can go to, by contact point kind.
CODE_CHANNEL = {"email": "email", "phone": "sms"}


@dataclass(frozen=True, slots=True)
class Destination:
    contact_point_id: int
    kind: str
    channel: str
    value: str
    masked: str


def opt_outs(*, debtor_id: int) -> tuple[set[str], dict[int, set[str]]]:
    """The channels the debtor opted out of, whole and per contact point (newest record wins)."""
    state: dict[tuple[int | None, str], bool] = {}
    for _, point_id, channel, kind, granted in consents_for_decisions(debtor_ids=[debtor_id], at=utcnow()):
        if kind == "opt_out":
            state[(point_id, channel)] = granted
    whole = {ch for (pid, ch), on in state.items() if on and pid is None}
    per: dict[int, set[str]] = {}
    for (pid, ch), on in state.items():
        if on and pid is not None:
            per.setdefault(pid, set()).add(ch)
    return whole, per


def code_destinations(*, debtor_id: int, organization_id: int) -> list[Destination]:
    """The debtor's emails and phones a code may go to: already on file, not known to be bad, and not a
    medium or address they opted out of."""
    whole, per = opt_outs(debtor_id=debtor_id)
    found = []
    for kind, channel in CODE_CHANNEL.items():
        points = contact_points_to_message(
            debtor_ids=[debtor_id], kind=kind, exclude_statuses=UNUSABLE, for_rendering=False
        )
        for p in points:
            if channel not in whole and channel not in per.get(p.pk, set()):
                found.append(Destination(p.pk, kind, channel, p.value, domain.mask(kind, p.value)))
    return found


def debtor_get(*, debtor_id: int) -> Debtor:
    debtor = debtors_in_bulk(ids=[debtor_id]).get(debtor_id)
    if debtor is None:
        raise NotFound(PortalError.NOT_VERIFIED, "verify again")
    return debtor


def debtor_accounts(*, organization_id: int, debtor_id: int) -> list[Account]:
    return list(accounts_of_debtor(organization_id=organization_id, debtor_id=debtor_id))


def debtor_account(*, organization_id: int, debtor_id: int, account_id: int) -> Account:
    """One of the debtor's accounts; any other id (another debtor's, another organization's) is not found."""
    account = (
        accounts_of_debtor(organization_id=organization_id, debtor_id=debtor_id).filter(pk=account_id).first()
    )
    if account is None:
        raise NotFound(PortalError.ACCOUNT_NOT_FOUND, f"no account {account_id}")
    return account


def owed(account: Account) -> Decimal:
    balances = ledger_balances(account=account)
    return sum((v for k, v in balances.items() if k != "credit"), Decimal(0))


@dataclass(slots=True)
class AccountView:
    account: Account
    balances: dict[str, Decimal]
    owed: Decimal
    plan: CurrentPlan | None
    holds: list[Any] = field(default_factory=list)
    promises: list[Promise] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    settlements: list[Any] = field(default_factory=list)

    @property
    def disputed(self) -> bool:
        return any(h.kind == "dispute" for h in self.holds)

    @property
    def next_promise(self) -> Promise | None:
        pending = [p for p in self.promises if p.status == "pending"]
        return min(pending, key=lambda p: p.due_on) if pending else None


def account_views(*, accounts: list[Account], today: date | None = None) -> list[AccountView]:
    ids = [a.pk for a in accounts]
    offers: dict[int, list[Any]] = {}
    for s in settlements_open_for_accounts(account_ids=ids, on=today or utcnow().date()):
        offers.setdefault(s.account_id, []).append(s)
    plans = plans_current(account_ids=ids)
    promises: dict[int, list[Promise]] = {}
    for p in promises_for_accounts(account_ids=ids):
        promises.setdefault(p.account_id, []).append(p)
    payments: dict[int, list[Payment]] = {}
    for pay in payments_for_accounts(account_ids=ids):
        payments.setdefault(pay.account_id, []).append(pay)
    views = []
    for a in accounts:
        balances = ledger_balances(account=a)
        views.append(
            AccountView(
                account=a,
                balances=balances,
                owed=sum((v for k, v in balances.items() if k != "credit"), Decimal(0)),
                plan=plans.get(a.pk),
                holds=list(
                    holds_for_account(principal=system_principal(a.organization_id, "portal"), account=a)
                ),
                promises=promises.get(a.pk, []),
                payments=payments.get(a.pk, []),
                settlements=offers.get(a.pk, []),
            )
        )
    return views


def limits_for(*, organization_id: int) -> domain.Limits:
    row = PortalLimits.objects.filter(pk=organization_id).first() or PortalLimits(
        organization_id=organization_id
    )
    return domain.Limits(
        max_installments=row.max_installments,
        min_installment=Decimal(row.min_installment),
        max_first_due_days=row.max_first_due_days,
        max_promise_days=row.max_promise_days,
    )


@dataclass(frozen=True, slots=True)
class Branding:
    name: str
    primary: str
    accent: str
    logo_url: str
    phone: str
    address: str


def _colour(value: object, default: str) -> str:
    text = str(value or "")
    return (
        text
        if len(text) == 7 and text.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in text[1:])
        else default
    )


def branding_for(*, organization: Organization) -> Branding:
    """The organization's name, colours and logo for the portal. Colours and logo are read defensively:
    from the organization when it carries them, else from its letterhead, else the defaults."""
    party = party_for(organization)
    logo_url = ""
    for holder in (organization, getattr(organization, "branding", None)):
        try:
            logo = getattr(holder, "logo", None)
            if logo:
                logo_url = logo.url
                break
        except (ValueError, AttributeError):  # a logo without a stored file: none shown
            continue
    return Branding(
        name=organization.name,
        primary=_colour(getattr(organization, "primary_colour", None) or party.primary_colour, "#1f3a5f"),
        accent=_colour(getattr(organization, "accent_colour", None) or party.accent_colour, "#6b7c93"),
        logo_url=logo_url,
        phone=organization.phone,
        address=organization.address,
    )


def esign_consents(*, debtor_id: int) -> set[int]:
    """The email contact points the debtor consented to electronic delivery at (newest record wins)."""
    state: dict[int, bool] = {}
    for _, point_id, channel, kind, granted in consents_for_decisions(debtor_ids=[debtor_id], at=utcnow()):
        if kind == "consent" and channel == "email" and point_id is not None:
            state[point_id] = granted
    return {pk for pk, on in state.items() if on}
