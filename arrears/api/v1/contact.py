"""Contact attempts and calls (with their recordings), and messages queued from a template. Every outbound
contact passes the compliance gate (DESIGN rule 4): a call when it is logged, a message when it is sent."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, UploadedFile
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from arrears.accounts.selectors import account_get_by_reference, contact_point_get_for
from arrears.contact.calls import call_log
from arrears.contact.errors import ContactError
from arrears.contact.messaging import message_queue
from arrears.contact.selectors import (
    attempt_get_for,
    attempts_page_for,
    message_get,
    messages_page,
    template_for_account,
)
from arrears.core.clock import utcnow
from arrears.core.errors import Conflict

from ..choices import Resource
from .conventions import MAX_LIMIT, idempotent, need, page
from .resources import AccountFilter, Id, StartingAfter

router = Router()

CallOutcome = Literal[
    "no_answer",
    "voicemail",
    "conversation",
    "busy",
    "not_in_service",
    "wrong_number",
    "right_party_contact",
    "third_party",
]
Reference = Annotated[str, Field(min_length=1, max_length=100, examples=["INV-1001"])]
ClientCode = Annotated[
    str | None,
    Field(
        default=None, max_length=40, description="the client's code, when several clients use the reference"
    ),
]


class Reason(BaseModel):
    code: str
    effect: str
    citation: str
    message: str


class DecisionBrief(BaseModel):
    id: int
    allowed: bool
    overridden: bool
    override_reason: str
    reasons: list[Reason]
    next_allowed_at: datetime | None


class AttemptAccount(BaseModel):
    id: int
    reference: str


class AttemptOut(BaseModel):
    id: int
    object: Literal["contact_attempt"] = "contact_attempt"
    debtor_id: int
    contact_point_id: int | None
    channel: str
    direction: str
    outcome: str
    blocked: bool
    target: str
    at: datetime
    ended_at: datetime | None
    notes: str
    accounts: list[AttemptAccount]
    decision: DecisionBrief | None = Field(
        description="the compliance decision an outbound attempt was made under"
    )
    recordings: list[int] = Field(description="ids of its call recordings (GET /documents/{id}/content)")
    created_at: datetime


class AttemptList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AttemptOut]
    has_more: bool


# A form field is given or not: never null. (Absent, these default to None.)
FormTime = Annotated[AwareDatetime | None, WithJsonSchema({"type": "string", "format": "date-time"})]
FormText = Annotated[str | None, WithJsonSchema({"type": "string", "maxLength": 40})]


class CallIn(BaseModel):
    """A call, as a multipart form: these fields and, optionally, the `recording` file. Fields a form
    carries besides these are ignored, as forms go."""

    account: Reference
    client: FormText = Field(default=None, description="the client's code, when several clients use it")
    number: str = Field(
        default="",
        max_length=40,
        description="the number dialled (or that called); default: the primary debtor's primary phone",
        examples=["+12125550004"],
    )
    direction: Literal["outbound", "inbound"] = "outbound"
    outcome: CallOutcome = Field(examples=["no_answer"])
    started_at: FormTime = Field(
        default=None, description="default: now; the gate decides at it", examples=["2026-03-10T18:00:00Z"]
    )
    ended_at: FormTime = Field(default=None, examples=["2026-03-10T18:00:40Z"])
    notes: str = Field(default="", max_length=5000)
    override_reason: str = Field(
        default="",
        max_length=500,
        description="log a blocked call anyway: only for those allowed to override (never an API token)",
    )

    @field_validator("started_at", "ended_at", "client", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        """An empty form field is a field not given."""
        return None if value == "" else value


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: Reference
    client: ClientCode = None
    template: str = Field(
        min_length=1, max_length=60, description="the template's key", examples=["reminder"]
    )
    channel: Literal["email", "sms", "letter"]
    contact_point: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="one of the primary debtor's points (default: the best)"
    )


class MessageOut(BaseModel):
    id: int
    object: Literal["message"] = "message"
    account: str
    account_id: int
    debtor_id: int
    contact_point_id: int | None
    channel: str
    template: str | None
    template_version: int | None
    target: str
    subject: str
    body: str
    status: str = Field(
        description="pending, blocked (held by the gate), sending, sent, delivered, failed, …"
    )
    held_reasons: list[dict[str, Any]] = Field(description="the gate's reasons while it is held")
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    last_error: str
    decision_id: int | None
    attempt_id: int | None
    created_at: datetime
    updated_at: datetime


class MessageList(BaseModel):
    object: Literal["list"] = "list"
    data: list[MessageOut]
    has_more: bool


def _decision(d: Any) -> dict[str, Any] | None:
    if d is None:
        return None
    return {
        "id": d.pk,
        "allowed": d.allowed,
        "overridden": d.overridden,
        "override_reason": d.override_reason,
        "reasons": d.reasons,
        "next_allowed_at": d.next_allowed_at,
    }


def _attempt(a: Any, principal: Any) -> dict[str, Any]:
    return {
        "id": a.pk,
        "debtor_id": a.debtor_id,
        "contact_point_id": a.contact_point_id,
        "channel": a.channel,
        "direction": a.direction,
        "outcome": a.outcome,
        "blocked": a.blocked,
        "target": a.target,
        "at": a.at,
        "ended_at": a.ended_at,
        "notes": a.notes,
        "accounts": [
            {"id": acc.pk, "reference": acc.reference}
            for acc in a.accounts.all()
            if principal.sees_client(acc.client_id)
        ],
        "decision": _decision(a.decision),
        "recordings": [doc.pk for doc in a.documents.all()],
        "created_at": a.created_at,
    }


def _message(m: Any) -> dict[str, Any]:
    return {
        "id": m.pk,
        "account": m.account.reference,
        "account_id": m.account_id,
        "debtor_id": m.debtor_id,
        "contact_point_id": m.contact_point_id,
        "channel": m.channel,
        "template": m.template.key if m.template is not None else None,
        "template_version": m.template.version if m.template is not None else None,
        "target": m.target,
        "subject": m.subject,
        "body": m.body,
        "status": m.status,
        "held_reasons": m.held_reasons or [],
        "attempts": m.attempts,
        "next_attempt_at": m.next_attempt_at,
        "sent_at": m.sent_at,
        "delivered_at": m.delivered_at,
        "last_error": m.last_error,
        "decision_id": m.decision_id,
        "attempt_id": m.attempt_id,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    }


# --- contact attempts and calls -----------------------------------------------------------------------------


@router.get(
    "/attempts",
    operation_id="attempts_list",
    response=AttemptList,
    tags=["attempts"],
    summary="List contact attempts",
)
def attempts_list(
    request: HttpRequest,
    account_id: AccountFilter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: StartingAfter = None,
) -> dict[str, Any]:
    """Calls, messages and letters, inbound and outbound, blocked ones included (with the decision that
    blocked them), by id. `account_id` gives those about one account."""
    token = need(request, Resource.ATTEMPTS)
    rows = attempts_page_for(
        principal=token.principal, account_id=account_id, starting_after=starting_after, limit=limit + 1
    )
    return page(rows, limit, lambda a: _attempt(a, token.principal))


@router.get(
    "/attempts/{id}",
    operation_id="attempts_get",
    response=AttemptOut,
    tags=["attempts"],
    summary="Get a contact attempt",
)
def attempts_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002 (the path's name)
    token = need(request, Resource.ATTEMPTS)
    return _attempt(attempt_get_for(principal=token.principal, pk=id), token.principal)


@contextmanager
def _saved(upload: UploadedFile | None) -> Iterator[Path | None]:
    """The uploaded recording as a file under its own name, so the call and its recording are stored in
    one service call and one transaction (as the workbench's call form does)."""
    if upload is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="arrears-call-") as folder:
        path = Path(folder) / (Path(upload.name or "").name or "recording")
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        yield path


@router.post(
    "/calls",
    operation_id="calls_create",
    response={201: AttemptOut},
    tags=["attempts"],
    summary="Log a call",
)
def calls_create(
    request: HttpRequest,
    body: Form[CallIn],
    recording: Annotated[UploadedFile | None, File(default=None)] = None,
) -> HttpResponse:
    """Log a call (a `multipart/form-data` form, with its `recording` file if there is one: MP3, WAV,
    OGG, FLAC, WebM or M4A). An outbound call passes the compliance gate at `started_at`, as
    `arrears calls log` and the workbench's call form: a call the gate blocks is kept as blocked (the
    refusal is evidence too) and answered with a **409** `CONTACT_BLOCKED` problem carrying the
    decision's `reasons`, `next_allowed_at` and the `attempt_id`. Takes an `Idempotency-Key`."""
    token = need(request, Resource.ATTEMPTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client
        )
        with _saved(recording) as path:
            call = call_log(
                accounts=[account],
                number=body.number,
                direction=body.direction,
                outcome=body.outcome,
                started_at=body.started_at or utcnow(),
                ended_at=body.ended_at,
                notes=body.notes,
                override_reason=body.override_reason,
                recording=path,
                actor=token.principal,
            )
        attempt = attempt_get_for(principal=token.principal, pk=call.attempt.pk)
        if call.blocked:
            decision = _decision(attempt.decision) or {}
            raise Conflict(
                ContactError.BLOCKED,
                "the compliance gate blocked this call: "
                + "; ".join(r["message"] for r in decision.get("reasons", [])),
                attempt_id=attempt.pk,
                decision_id=decision.get("id"),
                reasons=decision.get("reasons", []),
                next_allowed_at=decision.get("next_allowed_at"),
            )
        return _attempt(attempt, token.principal)

    return idempotent(request, 201, AttemptOut, produce)


# --- messages -----------------------------------------------------------------------------------------------


@router.post(
    "/messages",
    operation_id="messages_create",
    response={201: MessageOut},
    tags=["messages"],
    summary="Queue a message from a template",
)
def messages_create(request: HttpRequest, body: MessageIn) -> HttpResponse:
    """Render a template (by its key, in the debtor's language, else English) for an account's primary
    debtor and put it in the outbox, as the workbench's "send message" does. It is sent once the
    compliance gate allows it, at send time: poll `GET /messages/{id}` (or subscribe to
    `message.delivered` and `message.bounced`). Letters go out with the next print batch. Takes an
    `Idempotency-Key`."""
    token = need(request, Resource.MESSAGES, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client
        )
        template = template_for_account(
            principal=token.principal, account=account, key=body.template, channel=body.channel
        )
        point = None
        if body.contact_point is not None:
            point = contact_point_get_for(principal=token.principal, pk=body.contact_point)
        message = message_queue(
            template=template, account=account, actor=token.principal, contact_point=point
        )
        return _message(message)

    return idempotent(request, 201, MessageOut, produce)


@router.get(
    "/messages",
    operation_id="messages_list",
    response=MessageList,
    tags=["messages"],
    summary="List messages",
)
def messages_list(
    request: HttpRequest,
    account_id: AccountFilter = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: StartingAfter = None,
) -> dict[str, Any]:
    """The outbox, by id, with each message's delivery status; `account_id` gives one account's."""
    token = need(request, Resource.MESSAGES)
    rows = messages_page(
        principal=token.principal, account_id=account_id, starting_after=starting_after, limit=limit + 1
    )
    return page(rows, limit, _message)


@router.get(
    "/messages/{id}",
    operation_id="messages_get",
    response=MessageOut,
    tags=["messages"],
    summary="Get a message and its delivery status",
)
def messages_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.MESSAGES)
    return _message(message_get(principal=token.principal, pk=id))
