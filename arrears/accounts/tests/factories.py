"""Accounts with a primary debtor and a co-debtor who live in different time zones.

"co_debtor" sorts before "primary" as text, so code that orders debtor links by the role string picks
the co-debtor. With ``co_debtor_first`` the co-debtor's link is also the older one, so ordering by id
cannot hide the mistake either.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count
from typing import Any

from arrears.accounts.choices import DebtorRole
from arrears.accounts.models import Account, AccountDebtor
from arrears.debtors.models import Debtor
from arrears.debtors.services import contact_point_add, debtor_create
from arrears.ledger.services import account_open
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import Client

# state: (area code, city, ZIP); each place lies in one time zone only.
PLACES = {
    "NY": ("212", "New York", "10001"),  # America/New_York
    "CA": ("415", "San Francisco", "94105"),  # America/Los_Angeles
}
_serial = count(800)


@dataclass(frozen=True)
class Shared:
    account: Account
    primary: Debtor
    co_debtor: Debtor


def debtor_in(*, client: Client, state: str, first_name: str, last_name: str) -> Debtor:
    """A debtor with a mobile phone, an email and a home address in ``state``."""
    actor = Principal(organization_id=client.organization_id, role=Role.ADMIN, label="test")
    area, city, postal_code = PLACES[state]
    n = next(_serial)
    debtor = debtor_create(
        organization_id=client.organization_id, actor=actor, first_name=first_name, last_name=last_name
    )
    contact_point_add(debtor=debtor, kind="phone", value=f"({area}) 555-{n:04d}", label="mobile", actor=actor)
    contact_point_add(
        debtor=debtor,
        kind="email",
        value=f"{first_name}.{last_name}{n}@example.com",
        label="personal",
        actor=actor,
    )
    contact_point_add(
        debtor=debtor, kind="address", line1=f"{n} Main St", city=city, state=state,
        postal_code=postal_code, country="US", label="home", actor=actor,
    )  # fmt: skip
    return debtor


def shared_account(
    *,
    client: Client,
    co_debtor_first: bool,
    primary_state: str = "NY",
    co_debtor_state: str = "CA",
    reference: str | None = None,
    **fields: Any,
) -> Shared:
    """An account owed by a primary debtor in ``primary_state`` and a co-debtor in ``co_debtor_state``;
    ``fields`` go to ``account_open``."""
    actor = Principal(organization_id=client.organization_id, role=Role.ADMIN, label="test")
    primary = debtor_in(client=client, state=primary_state, first_name="Paula", last_name="Primary")
    co_debtor = debtor_in(client=client, state=co_debtor_state, first_name="Cody", last_name="Codebtor")
    order = [co_debtor, primary] if co_debtor_first else [primary, co_debtor]
    account = account_open(
        client=client,
        reference=reference or f"SHARED-{next(_serial)}",
        debtors=order,
        currency="USD",
        actor=actor,
        principal=Decimal("1000.00"),
        **fields,
    )
    if co_debtor_first:
        # account_open makes the first debtor primary: swap the roles, keeping the co-debtor's older link.
        AccountDebtor.objects.filter(account=account, debtor=co_debtor).update(role=DebtorRole.CO_DEBTOR)
        AccountDebtor.objects.filter(account=account, debtor=primary).update(role=DebtorRole.PRIMARY)
    links = list(
        AccountDebtor.objects.filter(account=account).order_by("id").values_list("debtor_id", "role")
    )
    assert links == [(d.pk, role) for d, role in zip(order, _roles(co_debtor_first), strict=True)]
    return Shared(account, primary, co_debtor)


def _roles(co_debtor_first: bool) -> list[str]:
    pair = [DebtorRole.PRIMARY, DebtorRole.CO_DEBTOR]
    return pair[::-1] if co_debtor_first else pair
