"""Promises to pay, payment plans and settlements: the same services the workbench's money panel calls,
with the token acting with a collector's rights (a settlement above the collector's discount limit waits
for a manager's approval, as in the workbench)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router

from arrears.accounts.selectors import account_get_by_reference
from arrears.core.errors import ArrearsError
from arrears.core.money import Money, is_currency_code
from arrears.payments.selectors import (
    plan_get,
    plan_read,
    plans_page,
    promise_get,
    promise_read,
    promises_page,
    settlement_get,
    settlement_read,
    settlements_page,
)
from arrears.payments.services import (
    PlanTerms,
    plan_cancel,
    plan_create,
    promise_cancel,
    promise_create,
    settlement_offer,
)

from ..choices import Resource
from ..errors import ApiError
from . import money_schemas as m
from .conventions import MAX_LIMIT, idempotent, need, page
from .endpoints import Id

router = Router()

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
After = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="the last id of the previous page")]
AccountFilter = Annotated[int | None, Query(ge=1, le=2**63 - 1, description="only this account's")]


def _money(amount: str, currency: str) -> Money:
    if not is_currency_code(currency):
        raise ArrearsError(ApiError.CURRENCY_UNKNOWN, f"{currency!r} is not an ISO 4217 currency")
    return Money(Decimal(amount), currency)


def _terms(schedule: m.ScheduleIn, *, grace_days: int = 5) -> PlanTerms:
    return PlanTerms(
        frequency=schedule.frequency,
        first_due=schedule.first_due,
        installments=schedule.installments,
        installment_amount=Decimal(schedule.installment_amount) if schedule.installment_amount else None,
        dates=tuple(schedule.dates) if schedule.dates else None,
        grace_days=grace_days,
    )


# --- promises ---------------------------------------------------------------------------------------


@router.post(
    "/promises",
    operation_id="promises_create",
    response={201: m.PromiseOut},
    tags=["promises"],
    summary="Record a promise to pay",
)
def promises_create(request: HttpRequest, body: m.PromiseIn) -> HttpResponse:
    """The debtor promises to pay `amount` by `due_on` (today or later); the account becomes
    `promised`. It is kept or broken by the payments and the dates. Send an `Idempotency-Key`."""
    token = need(request, Resource.PROMISES, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client
        )
        promise = promise_create(
            account=account,
            amount=_money(body.amount, body.currency),
            due_on=body.due_on,
            grace_days=body.grace_days,
            channel="api",
            note=body.note,
            actor=token.principal,
        )
        return promise_read(promise)

    return idempotent(request, 201, m.PromiseOut, produce)


@router.get(
    "/promises",
    operation_id="promises_list",
    response=m.PromiseList,
    tags=["promises"],
    summary="List promises",
)
def promises_list(
    request: HttpRequest,
    limit: Limit = 10,
    starting_after: After = None,
    account_id: AccountFilter = None,
    status: Annotated[m.PromiseStatus | None, Query()] = None,
) -> dict[str, Any]:
    token = need(request, Resource.PROMISES)
    rows = promises_page(
        principal=token.principal,
        starting_after=starting_after,
        limit=limit + 1,
        account_id=account_id,
        status=status,
    )
    return page(rows, limit, promise_read)


@router.get(
    "/promises/{id}",
    operation_id="promises_get",
    response=m.PromiseOut,
    tags=["promises"],
    summary="Get a promise",
)
def promises_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.PROMISES)
    return promise_read(promise_get(principal=token.principal, pk=id))


@router.post(
    "/promises/{id}/cancel",
    operation_id="promises_cancel",
    response={200: m.PromiseOut},
    tags=["promises"],
    summary="Cancel a pending promise",
)
def promises_cancel(request: HttpRequest, id: Id, body: m.CancelIn) -> HttpResponse:  # noqa: A002
    """Only a pending promise can be cancelled (409 `PROMISE_NOT_PENDING` otherwise)."""
    token = need(request, Resource.PROMISES, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        promise = promise_get(principal=token.principal, pk=id)
        return promise_read(promise_cancel(promise=promise, actor=token.principal, reason=body.reason))

    return idempotent(request, 200, m.PromiseOut, produce)


# --- plans --------------------------------------------------------------------------------------------


@router.post(
    "/plans",
    operation_id="plans_create",
    response={201: m.PlanOut},
    tags=["plans"],
    summary="Set up a payment plan",
)
def plans_create(request: HttpRequest, body: m.PlanIn) -> HttpResponse:
    """A schedule of installments for `total` (default: everything owed): a `frequency` with
    `first_due` and `installments` (a count) or `installment_amount`, or `custom` with `dates`. The
    answer carries the installments and the written confirmation's text. One open plan per account
    (409 `PLAN_ACTIVE_PLAN_EXISTS`). Send an `Idempotency-Key`."""
    token = need(request, Resource.PLANS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client
        )
        plan = plan_create(
            account=account,
            terms=_terms(body, grace_days=body.grace_days),
            total=_money(body.total, body.currency or account.currency) if body.total else None,
            actor=token.principal,
        )
        return plan_read(plan)

    return idempotent(request, 201, m.PlanOut, produce)


@router.get(
    "/plans",
    operation_id="plans_list",
    response=m.PlanList,
    tags=["plans"],
    summary="List payment plans",
)
def plans_list(
    request: HttpRequest,
    limit: Limit = 10,
    starting_after: After = None,
    account_id: AccountFilter = None,
    status: Annotated[m.PlanStatus | None, Query()] = None,
) -> dict[str, Any]:
    token = need(request, Resource.PLANS)
    rows = plans_page(
        principal=token.principal,
        starting_after=starting_after,
        limit=limit + 1,
        account_id=account_id,
        status=status,
    )
    return page(rows, limit, plan_read)


@router.get(
    "/plans/{id}",
    operation_id="plans_get",
    response=m.PlanOut,
    tags=["plans"],
    summary="Get a payment plan",
)
def plans_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.PLANS)
    return plan_read(plan_get(principal=token.principal, pk=id))


@router.post(
    "/plans/{id}/cancel",
    operation_id="plans_cancel",
    response={200: m.PlanOut},
    tags=["plans"],
    summary="Cancel a payment plan",
)
def plans_cancel(request: HttpRequest, id: Id, body: m.PlanCancelIn) -> HttpResponse:  # noqa: A002
    """End an open plan, with the reason; the account leaves `on_plan`. A plan that is no longer open,
    or that carries an open settlement, is a 409 `PLAN_NOT_OPEN`."""
    token = need(request, Resource.PLANS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        plan = plan_get(principal=token.principal, pk=id)
        return plan_read(plan_cancel(plan=plan, actor=token.principal, reason=body.reason))

    return idempotent(request, 200, m.PlanOut, produce)


# --- settlements ----------------------------------------------------------------------------------------


@router.post(
    "/settlements",
    operation_id="settlements_create",
    response={201: m.SettlementOut},
    tags=["settlements"],
    summary="Offer a settlement",
)
def settlements_create(request: HttpRequest, body: m.SettlementIn) -> HttpResponse:
    """Offer to settle for `amount`, until `expires_on`. Within a collector's discount limit it is
    `approved` at once; above it, it is `pending_approval` until a manager approves it in the
    workbench (`required_role` says who may). Kind `installments` takes a `plan` schedule. Send an
    `Idempotency-Key`."""
    token = need(request, Resource.SETTLEMENTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client
        )
        settlement = settlement_offer(
            account=account,
            amount=_money(body.amount, body.currency),
            expires_on=body.expires_on,
            kind=body.kind,
            plan_terms=_terms(body.plan) if body.plan else None,
            actor=token.principal,
        )
        return settlement_read(settlement)

    return idempotent(request, 201, m.SettlementOut, produce)


@router.get(
    "/settlements",
    operation_id="settlements_list",
    response=m.SettlementList,
    tags=["settlements"],
    summary="List settlements",
)
def settlements_list(
    request: HttpRequest,
    limit: Limit = 10,
    starting_after: After = None,
    account_id: AccountFilter = None,
    status: Annotated[m.SettlementStatus | None, Query()] = None,
) -> dict[str, Any]:
    token = need(request, Resource.SETTLEMENTS)
    rows = settlements_page(
        principal=token.principal,
        starting_after=starting_after,
        limit=limit + 1,
        account_id=account_id,
        status=status,
    )
    return page(rows, limit, settlement_read)


@router.get(
    "/settlements/{id}",
    operation_id="settlements_get",
    response=m.SettlementOut,
    tags=["settlements"],
    summary="Get a settlement",
)
def settlements_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.SETTLEMENTS)
    return settlement_read(settlement_get(principal=token.principal, pk=id))
