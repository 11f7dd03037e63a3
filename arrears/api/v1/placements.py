"""Accounts written through the API: place one (the import's services for a batch of one), set its
status by hand, recall it. Each endpoint parses, calls one service, and renders the account."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from arrears.accounts.selectors import account_get
from arrears.accounts.services import account_recall, account_status_set
from arrears.imports.placing import AddressIn, DebtorIn, PlacementIn, account_place

from ..choices import Resource
from . import money_schemas as m
from . import schemas as s
from .conventions import idempotent, need
from .endpoints import Id, _account
from .endpoints import router as accounts_router

router = Router()

ACCOUNT_COLUMNS = (
    "original_creditor",
    "invoice_number",
    "debt_type",
    "itemization_date",
    "opened_on",
    "due_on",
    "delinquent_since",
    "charged_off_on",
    "last_payment_on",
    "notes",
)


def _placement(body: m.AccountIn) -> PlacementIn:
    fields: dict[str, Any] = {name: getattr(body, name) for name in ACCOUNT_COLUMNS}
    fields["interest_rate"] = Decimal(body.interest_rate)
    if body.jurisdiction_state:
        fields["jurisdiction_state"] = body.jurisdiction_state.upper()
    if body.jurisdiction_country:
        fields["jurisdiction_country"] = body.jurisdiction_country.upper()
    d = body.debtor
    return PlacementIn(
        reference=body.reference,
        currency=body.currency,
        principal=Decimal(body.principal),
        interest=Decimal(body.interest),
        fees=Decimal(body.fees),
        debtor_id=body.debtor_id,
        debtor=DebtorIn(
            kind=d.kind,
            first_name=d.first_name,
            middle_name=d.middle_name,
            last_name=d.last_name,
            company_name=d.company_name,
            date_of_birth=d.date_of_birth,
            national_id=d.national_id,
            phones=tuple(d.phones),
            emails=tuple(d.emails),
            address=AddressIn(**d.address.model_dump()) if d.address else None,
        )
        if d
        else None,
        fields=fields,
    )


# POST /accounts shares its path with GET /accounts: one URL, so one router (django-ninja routes a
# path once per router).
@accounts_router.post(
    "/accounts",
    operation_id="accounts_create",
    response={201: s.AccountOut},
    tags=["accounts"],
    summary="Place an account",
)
def accounts_create(request: HttpRequest, body: m.AccountIn) -> HttpResponse:
    """Place one account for a client (`client`: its code; a client token's own by default), with its
    opening balances and its debtor: `debtor_id` (an existing debtor) or `debtor` (a new one, with
    phones, emails and an address), as an import row would. Send an `Idempotency-Key`."""
    token = need(request, Resource.ACCOUNTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_place(client_code=body.client, placement=_placement(body), actor=token.principal)
        return _account(account)

    return idempotent(request, 201, s.AccountOut, produce)


@router.post(
    "/accounts/{id}/status",
    operation_id="accounts_status",
    response={200: s.AccountOut},
    tags=["accounts"],
    summary="Set an account's status",
)
def accounts_status(request: HttpRequest, id: Id, body: m.StatusIn) -> HttpResponse:  # noqa: A002
    """Set `active`, `on_hold`, `legal` or `closed` by hand, with the reason (audited as
    `account.status_changed`). A move the account's status does not allow is a 409
    `ACCOUNT_ILLEGAL_TRANSITION` naming the allowed ones."""
    token = need(request, Resource.ACCOUNTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get(principal=token.principal, pk=id)
        return _account(
            account_status_set(account=account, to=body.status, actor=token.principal, reason=body.reason)
        )

    return idempotent(request, 200, s.AccountOut, produce)


@router.post(
    "/accounts/{id}/recall",
    operation_id="accounts_recall",
    response={200: s.AccountOut},
    tags=["accounts"],
    summary="Recall an account",
)
def accounts_recall(request: HttpRequest, id: Id, body: m.RecallIn) -> HttpResponse:  # noqa: A002
    """The client takes the account back: its status becomes `recalled` (final), with the reason.
    Recalling it again changes nothing; a paid or closed account cannot be recalled (409)."""
    token = need(request, Resource.ACCOUNTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get(principal=token.principal, pk=id)
        return _account(account_recall(account=account, actor=token.principal, reason=body.reason))

    return idempotent(request, 200, s.AccountOut, produce)
