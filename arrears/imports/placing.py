"""One account placed by an integrator (the API's `POST /accounts`): a batch of one through the same
services an import's batch writes through (`writing.batch_write`): the debtors app's
`debtors_create_many` and `contact_points_add_many`, then the ledger's `accounts_open_many`, with the
same rows and audit events. The debtor is new (from its details) or one the principal may name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

from arrears.accounts.selectors import account_by_id, debtor_visible
from arrears.accounts.services import NewAccount
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, NotFound
from arrears.debtors.errors import DebtorError
from arrears.debtors.services import (
    ContactPointSpec,
    contact_point_spec,
    contact_points_add_many,
    debtor_spec,
    debtors_create_many,
)
from arrears.ledger.services import accounts_open_many
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_for_principal

from .errors import ImportProblem

if TYPE_CHECKING:
    from arrears.accounts.models import Account

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class AddressIn:
    line1: str
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = "US"


@dataclass(frozen=True, slots=True)
class DebtorIn:
    """A new debtor's details, as an import row gives them."""

    kind: str = "person"
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    company_name: str = ""
    date_of_birth: date | None = None
    national_id: str = ""
    phones: Sequence[str] = ()
    emails: Sequence[str] = ()
    address: AddressIn | None = None


@dataclass(frozen=True, slots=True)
class PlacementIn:
    """One account to place: its reference and opening balances, its debtor (an existing debtor's id,
    or a new debtor's details: exactly one), and the columns an import row may set."""

    reference: str
    currency: str
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    debtor_id: int | None = None
    debtor: DebtorIn | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@transaction.atomic
def account_place(*, client_code: str | None, placement: PlacementIn, actor: Principal) -> Account:
    """Place one account for a client the principal may see (a client principal's own by default)."""
    client = client_for_principal(principal=actor, code=client_code)
    if (placement.debtor_id is None) == (placement.debtor is None):
        raise ArrearsError(
            ImportProblem.DEBTOR_REQUIRED,
            "give the debtor: an existing debtor's id, or a new debtor's details",
        )
    fields = dict(placement.fields)
    if placement.debtor_id is not None:
        if not debtor_visible(principal=actor, debtor_id=placement.debtor_id):
            raise NotFound(DebtorError.NOT_FOUND, f"no debtor {placement.debtor_id}")
        debtor_id = placement.debtor_id
    else:
        assert placement.debtor is not None
        debtor_id = _debtor_create(placement.debtor, organization_id=client.organization_id, actor=actor)
        address = placement.debtor.address
        if address is not None:
            fields.setdefault("jurisdiction_country", address.country.upper()[:2])
            fields.setdefault("jurisdiction_state", address.state.upper()[:3])
    fields.setdefault("placed_on", utcnow().date())
    new = NewAccount(
        reference=placement.reference,
        currency=placement.currency,
        debtor_ids=(debtor_id,),
        principal=placement.principal,
        interest=placement.interest,
        fees=placement.fees,
        itemization_date=fields.pop("itemization_date", None),
        fields=fields,
    )
    [pk] = accounts_open_many(client=client, accounts=[new], actor=actor)
    return account_by_id(account_id=pk)


def _debtor_create(d: DebtorIn, *, organization_id: int, actor: Principal) -> int:
    spec = debtor_spec(
        kind=d.kind,
        first_name=d.first_name,
        middle_name=d.middle_name,
        last_name=d.last_name,
        company_name=d.company_name,
        date_of_birth=d.date_of_birth,
        national_id=d.national_id,
    )
    [debtor_id] = debtors_create_many(organization_id=organization_id, actor=actor, debtors=[spec])
    points: list[ContactPointSpec] = []
    for kind, values, label in (("phone", d.phones, "mobile"), ("email", d.emails, "personal")):
        for i, value in enumerate(dict.fromkeys(values)):
            points.append(
                contact_point_spec(
                    debtor_id=debtor_id, kind=kind, value=value, label=label, source="api", is_primary=i == 0
                )
            )
    if d.address is not None:
        a = d.address
        points.append(
            contact_point_spec(
                debtor_id=debtor_id,
                kind="address",
                line1=a.line1,
                line2=a.line2,
                city=a.city,
                state=a.state,
                postal_code=a.postal_code,
                country=a.country,
                label="home",
                source="api",
                is_primary=True,
            )
        )
    unique: dict[tuple[str, str], ContactPointSpec] = {}
    for p in points:
        unique.setdefault((p.kind, p.value), p)  # two spellings of one number are one point
    contact_points_add_many(organization_id=organization_id, actor=actor, points=list(unique.values()))
    return debtor_id
