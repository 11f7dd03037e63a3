"""Debtors and their contact points, consents and opt-outs. An opt-out recorded here binds the compliance
gate at its next decision: it is the same consent record the portal's preferences page writes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import BaseModel, ConfigDict, Field

from arrears.accounts.selectors import contact_point_get_for, debtor_get_for, debtors_page_for
from arrears.debtors.selectors import consent_state
from arrears.debtors.services import consent_record, contact_point_add, contact_point_update

from ..choices import Resource
from .conventions import MAX_LIMIT, idempotent, need, page
from .resources import Id, StartingAfter

router = Router(tags=["debtors"])

ContactKind = Literal["phone", "email", "address"]
Label = Literal["mobile", "home", "work", "personal", "other"]
Status = Literal["valid", "unverified", "invalid", "undeliverable", "wrong_party"]
ConsentChannel = Literal["call", "sms", "email", "letter", "voicemail", "visit"]


class AccountRef(BaseModel):
    id: int
    reference: str
    client: str


class ContactPointOut(BaseModel):
    id: int
    object: Literal["contact_point"] = "contact_point"
    debtor_id: int
    kind: str
    label: str
    value: str = Field(description="a phone in E.164, an email lower-cased, or the address on one line")
    line1: str
    line2: str
    city: str
    state: str
    postal_code: str
    country: str
    status: str
    is_primary: bool
    source: str
    opted_out: list[str] = Field(description="channels the debtor opted out of at this point")
    consented: list[str] = Field(description="channels the debtor consented to at this point")
    created_at: datetime
    updated_at: datetime


class DebtorOut(BaseModel):
    id: int
    object: Literal["debtor"] = "debtor"
    kind: str
    ref: str
    name: str
    first_name: str
    middle_name: str
    last_name: str
    company_name: str
    date_of_birth: date | None
    national_id: str | None = Field(description="masked: only the last 4 digits are ever shown")
    timezone: str
    language: str
    do_not_contact: bool
    do_not_contact_reason: str
    merged_into: int | None
    opted_out: list[str] = Field(description="channels the debtor opted out of altogether")
    consented: list[str]
    contact_points: list[ContactPointOut]
    accounts: list[AccountRef]
    created_at: datetime
    updated_at: datetime


class DebtorList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DebtorOut]
    has_more: bool


class ContactPointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ContactKind = Field(examples=["phone"])
    value: str = Field(
        default="",
        max_length=320,
        description="the phone number or email (not addresses)",
        examples=["(646) 555-0199"],
    )
    label: Label = "other"
    line1: str = Field(default="", max_length=200, examples=["4821 Alder Court"])
    line2: str = Field(default="", max_length=200, examples=["Apt 3"])
    city: str = Field(default="", max_length=100, examples=["Springfield"])
    state: str = Field(default="", max_length=50, examples=["IL"])
    postal_code: str = Field(default="", max_length=20, examples=["62704"])
    country: str = Field(
        default="", pattern=r"^([A-Za-z]{2})?$", description="ISO 3166 alpha-2", examples=["US"]
    )
    is_primary: bool = False


class ContactPointPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    label: Label | None = None
    is_primary: bool | None = None
    reason: str = Field(default="", max_length=500, description="why the status changed (audited)")


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: ConsentChannel
    kind: Literal["opt_out", "consent"] = "opt_out"
    granted: bool = Field(default=True, description="false withdraws an earlier consent or opt-out")
    contact_point: int | None = Field(
        default=None, ge=1, le=2**63 - 1, description="one of the debtor's points; none: the whole channel"
    )
    note: str = Field(default="", max_length=1000)


class ConsentOut(BaseModel):
    id: int
    object: Literal["consent"] = "consent"
    debtor_id: int
    contact_point: int | None
    channel: str
    kind: str
    granted: bool
    recorded_at: datetime
    source: str
    note: str


def _channels(state: dict[tuple[int | None, str, str], bool], point: int | None, kind: str) -> list[str]:
    return sorted(ch for (p, ch, k), on in state.items() if on and p == point and k == kind)


def _point(cp: Any, state: dict[tuple[int | None, str, str], bool]) -> dict[str, Any]:
    return {
        "id": cp.pk,
        "debtor_id": cp.debtor_id,
        "kind": cp.kind,
        "label": cp.label,
        "value": cp.value,
        "line1": cp.line1,
        "line2": cp.line2,
        "city": cp.city,
        "state": cp.state,
        "postal_code": cp.postal_code,
        "country": cp.country,
        "status": cp.status,
        "is_primary": cp.is_primary,
        "source": cp.source,
        "opted_out": _channels(state, cp.pk, "opt_out"),
        "consented": _channels(state, cp.pk, "consent"),
        "created_at": cp.created_at,
        "updated_at": cp.updated_at,
    }


def _debtor(d: Any) -> dict[str, Any]:
    state = consent_state(d.consents.all())
    return {
        "id": d.pk,
        "kind": d.kind,
        "ref": d.ref,
        "name": d.display_name,
        "first_name": d.first_name,
        "middle_name": d.middle_name,
        "last_name": d.last_name,
        "company_name": d.company_name,
        "date_of_birth": d.date_of_birth,
        "national_id": d.national_id_masked or None,  # never the plain id (DESIGN rule 7)
        "timezone": d.timezone,
        "language": d.language,
        "do_not_contact": d.do_not_contact,
        "do_not_contact_reason": d.do_not_contact_reason,
        "merged_into": d.merged_into_id,
        "opted_out": _channels(state, None, "opt_out"),
        "consented": _channels(state, None, "consent"),
        "contact_points": [_point(cp, state) for cp in d.contact_points.all()],
        "accounts": [
            {"id": link.account.pk, "reference": link.account.reference, "client": link.account.client.code}
            for link in d.account_links.all()
        ],
        "created_at": d.created_at,
        "updated_at": d.updated_at,
    }


def _consent(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "debtor_id": r.debtor_id,
        "contact_point": r.contact_point_id,
        "channel": r.channel,
        "kind": r.kind,
        "granted": r.granted,
        "recorded_at": r.recorded_at,
        "source": r.source,
        "note": r.note,
    }


@router.get("/debtors", operation_id="debtors_list", response=DebtorList, summary="List debtors")
def debtors_list(
    request: HttpRequest,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: StartingAfter = None,
) -> dict[str, Any]:
    """The debtors the token may see (a client token: those on its client's accounts), by id, each with
    its contact points, what it opted out of or consented to, and its accounts. National ids are masked."""
    token = need(request, Resource.DEBTORS)
    rows = debtors_page_for(principal=token.principal, starting_after=starting_after, limit=limit + 1)
    return page(rows, limit, _debtor)


@router.get("/debtors/{id}", operation_id="debtors_get", response=DebtorOut, summary="Get a debtor")
def debtors_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002 (the path's name)
    token = need(request, Resource.DEBTORS)
    return _debtor(debtor_get_for(principal=token.principal, pk=id))


@router.post(
    "/debtors/{id}/contact-points",
    operation_id="contact_points_create",
    response={201: ContactPointOut},
    summary="Add a contact point",
)
def contact_points_create(request: HttpRequest, id: Id, body: ContactPointIn) -> HttpResponse:  # noqa: A002
    """Add a phone, email or postal address to a debtor (normalised: E.164, lower-cased). Adding one the
    debtor already has answers that one. Takes an `Idempotency-Key`."""
    token = need(request, Resource.DEBTORS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        debtor = debtor_get_for(principal=token.principal, pk=id)
        point = contact_point_add(
            debtor=debtor,
            actor=token.principal,
            source=token.principal.label,
            **body.model_dump(),
        )
        return _point(point, consent_state(debtor.consents.all()))

    return idempotent(request, 201, ContactPointOut, produce)


@router.get(
    "/contact-points/{id}",
    operation_id="contact_points_get",
    response=ContactPointOut,
    summary="Get a contact point",
)
def contact_points_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002
    token = need(request, Resource.DEBTORS)
    point = contact_point_get_for(principal=token.principal, pk=id)
    return _point(point, consent_state(point.debtor.consents.all()))


@router.patch(
    "/contact-points/{id}",
    operation_id="contact_points_update",
    response=ContactPointOut,
    summary="Update a contact point",
)
def contact_points_update(request: HttpRequest, id: Id, body: ContactPointPatch) -> dict[str, Any]:  # noqa: A002
    """Change a point's status (`wrong_party`, `invalid`…: the gate stops using it), its label, or make it
    the debtor's primary one of its kind. Fields left out are unchanged."""
    token = need(request, Resource.DEBTORS, write=True)
    found = contact_point_get_for(principal=token.principal, pk=id)
    point = contact_point_update(
        contact_point=found,
        actor=token.principal,
        status=body.status,
        label=body.label,
        is_primary=body.is_primary,
        reason=body.reason or f"by {token.principal.label}",
    )
    return _point(point, consent_state(found.debtor.consents.all()))


@router.post(
    "/debtors/{id}/consents",
    operation_id="consents_create",
    response={201: ConsentOut},
    summary="Record an opt-out or a consent",
)
def consents_create(request: HttpRequest, id: Id, body: ConsentIn) -> HttpResponse:  # noqa: A002
    """An opt-out of a channel (12 CFR 1006.14(h)), of one number or address (1006.6(e)) when
    `contact_point` is given, or a consent; `granted: false` withdraws one. The compliance gate reads it
    at its very next decision. Takes an `Idempotency-Key`."""
    token = need(request, Resource.DEBTORS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        debtor = debtor_get_for(principal=token.principal, pk=id)
        point = None
        if body.contact_point is not None:
            point = contact_point_get_for(principal=token.principal, pk=body.contact_point)
        record = consent_record(
            debtor=debtor,
            channel=body.channel,
            kind=body.kind,
            granted=body.granted,
            actor=token.principal,
            contact_point=point,
            source=token.principal.label,
            note=body.note,
        )
        return _consent(record)

    return idempotent(request, 201, ConsentOut, produce)
