"""Holds and disputes: place a hold on an account, record a dispute (a hold of kind `dispute`), lift a
hold, and list an account's. The compliance gate reads the holds at once: a dispute stops collection
until verification is sent (Reg F 1006.38(d)(2)), a cease-communication hold stops contact."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from arrears.accounts.selectors import account_get
from arrears.compliance.selectors import hold_get, holds_page
from arrears.compliance.services import hold_lift, hold_place

from ..choices import Resource
from . import money_schemas as m
from .conventions import MAX_LIMIT, idempotent, need, page
from .endpoints import Id

router = Router()

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
After = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="the last id of the previous page")]
DISPUTE = "dispute"


def _instant(value: Any) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _hold(h: Any) -> dict[str, Any]:
    return {
        "id": h.pk,
        "kind": h.kind,
        "account": h.account.reference if h.account_id else None,
        "account_id": h.account_id,
        "debtor_id": h.debtor_id,
        "effective_on": h.effective_on,
        "placed_at": _instant(h.placed_at),
        "placed_by": h.placed_by_label,
        "reason": h.reason,
        "details": h.details,
        "active": h.lifted_at is None,
        "lifted_at": _instant(h.lifted_at),
        "lifted_by": h.lifted_by_label,
        "lift_reason": h.lift_reason,
    }


@router.get(
    "/accounts/{id}/holds",
    operation_id="holds_list",
    response=m.HoldList,
    tags=["holds"],
    summary="List an account's holds",
)
def holds_list(
    request: HttpRequest,
    id: Id,  # noqa: A002
    limit: Limit = 10,
    starting_after: After = None,
    kind: Annotated[m.HoldKind | None, Query()] = None,
    active: Annotated[bool, Query(description="only holds not lifted")] = False,
) -> dict[str, Any]:
    """The holds that concern the account, lifted ones too unless `active`: its own, and those placed
    on one of its debtors (they cover all the debtor's accounts)."""
    token = need(request, Resource.HOLDS)
    account = account_get(principal=token.principal, pk=id)
    rows = holds_page(
        principal=token.principal,
        account=account,
        starting_after=starting_after,
        limit=limit + 1,
        kind=kind,
        include_lifted=not active,
    )
    return page(rows, limit, _hold)


@router.post(
    "/accounts/{id}/holds",
    operation_id="holds_create",
    response={201: m.HoldOut},
    tags=["holds"],
    summary="Place a hold on an account",
)
def holds_create(request: HttpRequest, id: Id, body: m.HoldIn) -> HttpResponse:  # noqa: A002
    """A hold of one kind (cease communication, dispute, bankruptcy, deceased, attorney, employer,
    litigation, SCRA) on the account, with the reason and its legally relevant date. Audited as
    `compliance.hold_placed` (webhook `hold.placed`; a dispute also `dispute.opened`)."""
    token = need(request, Resource.HOLDS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get(principal=token.principal, pk=id)
        hold = hold_place(
            kind=body.kind,
            actor=token.principal,
            account=account,
            effective_on=body.effective_on,
            reason=body.reason,
            details={"source": "api"},
        )
        return _hold(hold)

    return idempotent(request, 201, m.HoldOut, produce)


@router.get(
    "/accounts/{id}/disputes",
    operation_id="disputes_list",
    response=m.HoldList,
    tags=["holds"],
    summary="List an account's disputes",
)
def disputes_list(
    request: HttpRequest,
    id: Id,  # noqa: A002
    limit: Limit = 10,
    starting_after: After = None,
) -> dict[str, Any]:
    """The account's disputes (holds of kind `dispute`), resolved ones too (`active` false)."""
    token = need(request, Resource.HOLDS)
    account = account_get(principal=token.principal, pk=id)
    rows = holds_page(
        principal=token.principal,
        account=account,
        starting_after=starting_after,
        limit=limit + 1,
        kind=DISPUTE,
    )
    return page(rows, limit, _hold)


@router.post(
    "/accounts/{id}/disputes",
    operation_id="disputes_create",
    response={201: m.HoldOut},
    tags=["holds"],
    summary="Record a dispute",
)
def disputes_create(request: HttpRequest, id: Id, body: m.DisputeIn) -> HttpResponse:  # noqa: A002
    """The consumer disputes the debt (`written`: in writing). A dispute hold is placed at once, so the
    gate stops collection until verification is sent. Webhooks `hold.placed` and `dispute.opened`."""
    token = need(request, Resource.HOLDS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get(principal=token.principal, pk=id)
        hold = hold_place(
            kind=DISPUTE,
            actor=token.principal,
            account=account,
            effective_on=body.effective_on,
            reason=body.reason,
            details={"written": body.written, "source": "api"},
        )
        return _hold(hold)

    return idempotent(request, 201, m.HoldOut, produce)


@router.get(
    "/holds/{id}",
    operation_id="holds_get",
    response=m.HoldOut,
    tags=["holds"],
    summary="Get a hold",
)
def holds_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.HOLDS)
    return _hold(hold_get(principal=token.principal, pk=id))


@router.post(
    "/holds/{id}/lift",
    operation_id="holds_lift",
    response={200: m.HoldOut},
    tags=["holds"],
    summary="Lift a hold",
)
def holds_lift(request: HttpRequest, id: Id, body: m.LiftIn) -> HttpResponse:  # noqa: A002
    """Lift an active hold, with the reason (a dispute: once verification was sent). The row stays,
    with who lifted it and why; lifting twice is a 409 `COMPLIANCE_HOLD_ALREADY_LIFTED`. In the
    workbench only managers lift holds: grant `holds:write` only to integrations trusted with that."""
    token = need(request, Resource.HOLDS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        hold = hold_get(principal=token.principal, pk=id)
        return _hold(hold_lift(hold=hold, actor=token.principal, reason=body.reason))

    return idempotent(request, 200, m.HoldOut, produce)
