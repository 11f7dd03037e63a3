from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction

from arrears.audit.services import audit_record
from arrears.core import crypto
from arrears.core.bulk import update_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.tenancy.domain import Principal

from .choices import ConsentKind, ContactKind, ContactLabel, ContactStatus, DebtorKind
from .domain import (
    InvalidContact,
    address_line,
    name_key,
    national_id_digits,
    normalize_email,
    normalize_phone,
    phone_zones,
    zones_text,
)
from .errors import DebtorError
from .models import ConsentRecord, ContactPoint, Debtor


def national_id_fields(raw: str) -> dict[str, str]:
    """Encrypted value, lookup hash and last 4 for a national id; the plain value is never stored."""
    digits = national_id_digits(raw)
    if not digits:
        return {"national_id_encrypted": "", "national_id_hash": "", "national_id_last4": ""}
    return {
        "national_id_encrypted": crypto.encrypt(digits),
        "national_id_hash": crypto.lookup_hash(digits, purpose="national_id"),
        "national_id_last4": digits[-4:],
    }


@transaction.atomic
def debtor_create(
    *,
    organization_id: int,
    actor: Principal,
    kind: str = DebtorKind.PERSON,
    first_name: str = "",
    middle_name: str = "",
    last_name: str = "",
    company_name: str = "",
    date_of_birth: date | None = None,
    national_id: str = "",
    timezone: str = "",
    ref: str = "",
) -> Debtor:
    if not (first_name or last_name or company_name):
        raise ArrearsError(DebtorError.NAME_REQUIRED, "a debtor needs a name or a company name")
    debtor = Debtor.objects.create(
        organization_id=organization_id,
        kind=kind,
        ref=ref,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        company_name=company_name,
        name_key=name_key(first_name, middle_name, last_name) or name_key(company_name),
        date_of_birth=date_of_birth,
        timezone=timezone,
        **national_id_fields(national_id),
    )
    audit_record(
        actor=actor,
        event="debtor.created",
        subject_type="debtor",
        subject_id=debtor.pk,
        data={"kind": kind, "has_national_id": bool(national_id)},
    )
    return debtor


@transaction.atomic
def contact_point_add(
    *,
    debtor: Debtor,
    kind: str,
    actor: Principal,
    value: str = "",
    label: str = ContactLabel.OTHER,
    line1: str = "",
    line2: str = "",
    city: str = "",
    state: str = "",
    postal_code: str = "",
    country: str = "",
    region: str = "US",
    source: str = "",
    is_primary: bool = False,
) -> ContactPoint:
    try:
        if kind == ContactKind.PHONE:
            value = normalize_phone(value, region=country or region)
        elif kind == ContactKind.EMAIL:
            value = normalize_email(value)
        elif kind == ContactKind.ADDRESS:
            if not line1:
                raise InvalidContact("an address needs at least its first line")
            value = address_line(
                line1=line1, line2=line2, city=city, state=state, postal_code=postal_code, country=country
            )
        else:
            raise InvalidContact(f"unknown contact kind {kind!r}")
    except InvalidContact as exc:
        raise ArrearsError(DebtorError.INVALID_CONTACT, str(exc)) from exc
    try:
        with transaction.atomic():
            point = ContactPoint.objects.create(
                organization_id=debtor.organization_id,
                debtor=debtor,
                kind=kind,
                label=label,
                value=value,
                line1=line1,
                line2=line2,
                city=city,
                state=state.upper(),
                postal_code=postal_code,
                country=country.upper(),
                status=ContactStatus.UNVERIFIED,
                source=source,
                is_primary=is_primary,
                time_zones=zones_text(phone_zones(value)) if kind == ContactKind.PHONE else None,
            )
    except IntegrityError:
        return ContactPoint.objects.get(debtor=debtor, kind=kind, value=value)
    audit_record(
        actor=actor,
        event="contact_point.added",
        subject_type="debtor",
        subject_id=debtor.pk,
        data={"contact_point": point.pk, "kind": kind, "label": label},
    )
    return point


LOCATE_BATCH = 2_000


def contact_points_locate(*, organization_id: int | None = None, limit: int | None = None) -> int:
    """Store the time zones of phones written without them (by an import, or before the column
    existed), a batch per transaction; returns how many were located. Safe to run twice and beside
    other writers: a row is only ever set from NULL to what its own number gives.

    Not audited: the zones are derived from the stored number, as an index is, and change nothing a
    person decided."""
    located = 0
    while limit is None or located < limit:
        size = LOCATE_BATCH if limit is None else min(LOCATE_BATCH, limit - located)
        with transaction.atomic():
            pending = ContactPoint.objects.filter(kind=ContactKind.PHONE, time_zones__isnull=True)
            if organization_id is not None:
                pending = pending.filter(organization_id=organization_id)
            # Rows another worker holds are left to it; ids in order, so two workers never deadlock.
            rows = list(
                pending.order_by("id").select_for_update(skip_locked=True).values_list("id", "value")[:size]
            )
            if not rows:
                break
            update_rows(
                ContactPoint, {pk: {"time_zones": zones_text(phone_zones(value))} for pk, value in rows},
                ["time_zones"],
            )  # fmt: skip
        located += len(rows)
    return located


@transaction.atomic
def consent_record(
    *,
    debtor: Debtor,
    channel: str,
    kind: str,
    granted: bool,
    actor: Principal,
    contact_point: ContactPoint | None = None,
    source: str = "",
    note: str = "",
    at: datetime | None = None,
) -> ConsentRecord:
    if kind not in ConsentKind.values:
        raise ArrearsError(DebtorError.INVALID_CONTACT, f"unknown consent kind {kind!r}")
    record = ConsentRecord.objects.create(
        organization_id=debtor.organization_id,
        debtor=debtor,
        contact_point=contact_point,
        channel=channel,
        kind=kind,
        granted=granted,
        recorded_at=at or utcnow(),
        source=source,
        note=note,
    )
    audit_record(
        actor=actor,
        event=f"consent.{kind}.{'granted' if granted else 'revoked'}",
        subject_type="debtor",
        subject_id=debtor.pk,
        data={"channel": channel, "contact_point": contact_point and contact_point.pk, "source": source},
    )
    return record


def debtor_reveal_national_id(*, debtor: Debtor, actor: Principal) -> str:
    """The plain national id, for a principal allowed to see it. Every view is audited."""
    if not actor.can("view_pii"):
        raise ArrearsError(DebtorError.PII_FORBIDDEN, "your role may not view national ids")
    audit_record(actor=actor, event="debtor.national_id_viewed", subject_type="debtor", subject_id=debtor.pk)
    return debtor.national_id_plain()
