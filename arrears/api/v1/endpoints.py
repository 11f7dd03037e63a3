"""The v1 endpoints: each parses its input, calls one service or selector, and renders the result."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router

from arrears.accounts.errors import AccountError
from arrears.accounts.selectors import (
    account_get,
    account_get_by_reference,
    accounts_get_by_references,
    accounts_page,
)
from arrears.compliance.services import GateRequest, decide, decide_many
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, NotFound
from arrears.core.money import Money, is_currency_code, quantize
from arrears.payments.selectors import payment_get, payment_read
from arrears.payments.services.posting import payment_post, payment_reverse

from ..choices import Resource
from ..errors import ApiError
from . import schemas as s
from .conventions import MAX_LIMIT, idempotent, need, page

router = Router()
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


def _account(a: Any) -> dict[str, Any]:
    cur = a.currency
    buckets = {
        b: quantize(getattr(a, f"balance_{b}"), cur)
        for b in ("principal", "interest", "fees", "costs", "credit")
    }
    total = buckets["principal"] + buckets["interest"] + buckets["fees"] + buckets["costs"]
    return {
        "id": a.pk,
        "reference": a.reference,
        "client": a.client.code,
        "status": a.status,
        "currency": cur,
        "debt_type": a.debt_type,
        "balance": {**{k: str(v) for k, v in buckets.items()}, "total": str(quantize(total, cur))},
        "opened_on": a.opened_on,
        "due_on": a.due_on,
        "delinquent_since": a.delinquent_since,
        "placed_on": a.placed_on,
        "last_payment_on": a.last_payment_on,
        "original_creditor": a.original_creditor,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


@router.get(
    "/accounts",
    operation_id="accounts_list",
    response=s.AccountList,
    tags=["accounts"],
    summary="List accounts",
)
def accounts_list(
    request: HttpRequest,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="the last id of the previous page")
    ] = None,
) -> dict[str, Any]:
    """The accounts the token may see, by id, a page at a time."""
    token = need(request, Resource.ACCOUNTS)
    rows = accounts_page(principal=token.principal, starting_after=starting_after, limit=limit + 1)
    return page(rows, limit, _account)


@router.get(
    "/accounts/{id}",
    operation_id="accounts_get",
    response=s.AccountOut,
    tags=["accounts"],
    summary="Get an account",
)
def accounts_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002 (the path's name)
    token = need(request, Resource.ACCOUNTS)
    return _account(account_get(principal=token.principal, pk=id))


@router.post(
    "/payments",
    operation_id="payments_create",
    response={201: s.PaymentOut},
    tags=["payments"],
    summary="Post a payment",
)
def payments_create(request: HttpRequest, body: s.PaymentIn) -> HttpResponse:
    """Post a payment to an account (by its reference): it is allocated over the balance buckets by
    the account's waterfall at once. Send an `Idempotency-Key` to retry safely."""
    token = need(request, Resource.PAYMENTS, write=True)

    def produce(key: str | None) -> dict[str, Any]:
        if not is_currency_code(body.currency):
            raise ArrearsError(ApiError.CURRENCY_UNKNOWN, f"{body.currency!r} is not an ISO 4217 currency")
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client
        )
        payment = payment_post(
            account=account,
            amount=Money(Decimal(body.amount), body.currency),
            method=body.method,
            received_at=body.received_at or utcnow(),
            actor=token.principal,
            idempotency_key=f"api:{key}" if key else f"api:{request.META.get('REQUEST_ID') or _fresh()}",
            reference=body.reference,
        )
        return payment_read(payment)

    return idempotent(request, 201, s.PaymentOut, produce)


def _fresh() -> str:
    import uuid

    return uuid.uuid4().hex


@router.get(
    "/payments/{id}",
    operation_id="payments_get",
    response=s.PaymentOut,
    tags=["payments"],
    summary="Get a payment",
)
def payments_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.PAYMENTS)
    return payment_read(payment_get(principal=token.principal, pk=id))


@router.post(
    "/payments/{id}/reverse",
    operation_id="payments_reverse",
    response={200: s.PaymentOut},
    tags=["payments"],
    summary="Reverse a payment",
)
def payments_reverse(request: HttpRequest, id: Id, body: s.ReversalIn) -> HttpResponse:  # noqa: A002
    """Reverse a posted payment (NSF, chargeback…): its allocation is restored by reversing ledger
    entries, with an optional returned-payment fee; a scheduled one is cancelled. Takes an
    `Idempotency-Key`; reversing twice is a 409 `PAYMENT_NOT_REVERSIBLE`."""
    token = need(request, Resource.PAYMENTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        payment = payment_get(principal=token.principal, pk=id)
        fee = Money(Decimal(body.fee), payment.currency) if body.fee is not None else None
        return payment_read(
            payment_reverse(payment=payment, reason=body.reason, actor=token.principal, fee=fee)
        )

    return idempotent(request, 200, s.PaymentOut, produce)


@router.post(
    "/compliance/decisions",
    operation_id="decisions_create",
    response={200: s.DecisionOut},
    tags=["compliance"],
    summary="Ask the compliance gate",
)
def decisions_create(request: HttpRequest, body: s.DecisionIn) -> HttpResponse:
    """May this account be contacted on this channel (and number or address) now? The decision is
    stored with its reasons, as for any contact; `next_allowed_at` is when asking again would allow it
    (null when waiting cannot clear the block)."""
    token = need(request, Resource.COMPLIANCE, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client, with_client=False
        )
        d = decide(account=account, channel=body.channel, target=body.target or None, actor=token.principal)
        return {
            "id": d.pk,
            "account": account.reference,
            "channel": d.channel,
            "target": d.target,
            "allowed": d.allowed,
            "reasons": d.reasons,
            "next_allowed_at": d.next_allowed_at,
        }

    return idempotent(request, 200, s.DecisionOut, produce)


@router.post(
    "/compliance/decisions/batch",
    operation_id="decisions_batch",
    response={200: s.DecisionBatchOut},
    tags=["compliance"],
    summary="Ask the compliance gate for up to 1,000 contacts",
)
def decisions_batch(request: HttpRequest, body: s.DecisionBatchIn) -> HttpResponse:
    """Up to 1,000 requests decided at once, each as the single form would; answers in request order."""
    token = need(request, Resource.COMPLIANCE, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        found = accounts_get_by_references(
            principal=token.principal, references=[r.account for r in body.requests]
        )
        gate: list[GateRequest] = []
        for i, r in enumerate(body.requests):
            matches = [a for a in found.get(r.account, []) if r.client is None or a.client.code == r.client]
            if len(matches) != 1:
                raise NotFound(
                    AccountError.NOT_FOUND,
                    f"requests[{i}]: no single account with reference {r.account!r}"
                    + (" (several clients use it: name the client)" if matches else ""),
                )
            gate.append(GateRequest(account=matches[0], channel=r.channel, target=r.target or None))
        results = decide_many(requests=gate, at=utcnow(), actor=token.principal)
        data = [
            {
                "id": res.decision_id,
                "account": g.account.reference,
                "channel": g.channel,
                "target": res.target,
                "allowed": res.allowed,
                "reasons": res.reasons,
                "next_allowed_at": res.next_allowed_at,
            }
            for g, res in zip(gate, results, strict=True)
        ]
        return {"data": data, "has_more": False}

    return idempotent(request, 200, s.DecisionBatchOut, produce)
