from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q

from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core import crypto
from arrears.core.bulk import column_defaults, insert_rows, update_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.core.rotation import RotationBatch, rotate_column_batch
from arrears.tenancy.domain import Principal

from .choices import Channel, ConsentKind, ContactKind, ContactLabel, ContactStatus, DebtorKind
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
from .models import ConsentRecord, ContactPoint, Debtor, MergeCandidate


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


NAME_KEY_MAX = 300  # Debtor.name_key's length


@dataclass(frozen=True, slots=True)
class DebtorSpec:
    """A debtor to create, its values checked and normalised (`debtor_spec` makes one from raw input;
    a batch writer whose parser normalised them already builds it directly)."""

    name_key: str
    kind: str = DebtorKind.PERSON
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    company_name: str = ""
    date_of_birth: date | None = None
    national_id: str = ""  # digits only
    timezone: str = ""
    ref: str = ""


def debtor_spec(
    *,
    kind: str = DebtorKind.PERSON,
    first_name: str = "",
    middle_name: str = "",
    last_name: str = "",
    company_name: str = "",
    date_of_birth: date | None = None,
    national_id: str = "",
    timezone: str = "",
    ref: str = "",
) -> DebtorSpec:
    if not (first_name or last_name or company_name):
        raise ArrearsError(DebtorError.NAME_REQUIRED, "a debtor needs a name or a company name")
    return DebtorSpec(
        # Case folding and NFKD may lengthen a name ("ß" → "ss"): the key is cut to its column.
        name_key=(name_key(first_name, middle_name, last_name) or name_key(company_name))[:NAME_KEY_MAX],
        kind=kind,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        company_name=company_name,
        date_of_birth=date_of_birth,
        national_id=national_id_digits(national_id),
        timezone=timezone,
        ref=ref,
    )


@transaction.atomic(savepoint=False)
def debtors_create_many(
    *, organization_id: int, actor: Principal, debtors: Sequence[DebtorSpec]
) -> list[int]:
    """Create debtors with one insert (`COPY` on PostgreSQL) and one "debtor.created" audit event
    each, as `debtor_create` does for one; returns their ids in order. National ids are stored
    encrypted, with their lookup hash and last 4 digits."""
    if not debtors:
        return []
    if any(not (d.first_name or d.last_name or d.company_name) for d in debtors):
        raise ArrearsError(DebtorError.NAME_REQUIRED, "a debtor needs a name or a company name")
    base = column_defaults(Debtor, now=utcnow())
    base["organization_id"] = organization_id
    rows = []
    for d in debtors:
        row = {
            **base,
            "kind": d.kind,
            "ref": d.ref,
            "first_name": d.first_name,
            "middle_name": d.middle_name,
            "last_name": d.last_name,
            "company_name": d.company_name,
            "name_key": d.name_key,
            "date_of_birth": d.date_of_birth,
            "timezone": d.timezone,
        }
        if d.national_id:
            row["national_id_encrypted"] = crypto.encrypt(d.national_id)
            row["national_id_hash"] = crypto.lookup_hash(d.national_id, purpose="national_id")
            row["national_id_last4"] = d.national_id[-4:]
        rows.append(row)
    ids = insert_rows(Debtor, rows)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.DEBTOR_CREATED,
                subject_type="debtor",
                subject_id=pk,
                data={"kind": str(d.kind), "has_national_id": bool(d.national_id)},
            )
            for pk, d in zip(ids, debtors, strict=True)
        ],
    )
    return ids


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
    spec = debtor_spec(
        kind=kind,
        first_name=first_name,
        middle_name=middle_name,
        last_name=last_name,
        company_name=company_name,
        date_of_birth=date_of_birth,
        national_id=national_id,
        timezone=timezone,
        ref=ref,
    )
    [pk] = debtors_create_many(organization_id=organization_id, actor=actor, debtors=[spec])
    return Debtor.objects.get(pk=pk)


@dataclass(frozen=True, slots=True)
class ContactPointSpec:
    """A contact point to add, its value checked and normalised (`contact_point_spec` makes one)."""

    debtor_id: int
    kind: str
    value: str
    label: str = ContactLabel.OTHER
    line1: str = ""
    line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    country: str = ""
    source: str = ""
    is_primary: bool = False


def contact_point_spec(
    *,
    debtor_id: int,
    kind: str,
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
) -> ContactPointSpec:
    """A contact point from raw input: the phone or email normalised, the address line composed."""
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
    return ContactPointSpec(
        debtor_id=debtor_id,
        kind=kind,
        value=value,
        label=label,
        line1=line1,
        line2=line2,
        city=city,
        state=state,
        postal_code=postal_code,
        country=country,
        source=source,
        is_primary=is_primary,
    )


@transaction.atomic(savepoint=False)
def contact_points_add_many(
    *, organization_id: int, actor: Principal, points: Sequence[ContactPointSpec], locate: bool = True
) -> list[int]:
    """Add contact points with one insert (`COPY` on PostgreSQL) and one "contact_point.added" audit
    event each, as `contact_point_add` does for one; returns their ids in order.

    Every point must be new to its debtor: one the debtor already has fails the batch (the unique
    debtor, kind and value), where `contact_point_add` returns the existing point. With `locate`
    False, phones are stored without their time zones, which cost more than the rest of the row: the
    caller then runs `contact_points_locate` (its task) once the batch is committed."""
    if not points:
        return []
    base = column_defaults(ContactPoint, now=utcnow())
    base["organization_id"] = organization_id
    base["status"] = ContactStatus.UNVERIFIED
    rows = [
        {
            **base,
            "debtor_id": p.debtor_id,
            "kind": p.kind,
            "label": p.label,
            "value": p.value,
            "line1": p.line1,
            "line2": p.line2,
            "city": p.city,
            "state": p.state.upper(),
            "postal_code": p.postal_code,
            "country": p.country.upper(),
            "source": p.source,
            "is_primary": p.is_primary,
            "time_zones": zones_text(phone_zones(p.value))
            if locate and p.kind == ContactKind.PHONE
            else None,
        }
        for p in points
    ]
    ids = insert_rows(ContactPoint, rows)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.CONTACT_POINT_ADDED,
                subject_type="debtor",
                subject_id=p.debtor_id,
                data={"contact_point": pk, "kind": str(p.kind), "label": str(p.label)},
            )
            for pk, p in zip(ids, points, strict=True)
        ],
    )
    return ids


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
    spec = contact_point_spec(
        debtor_id=debtor.pk,
        kind=kind,
        value=value,
        label=label,
        line1=line1,
        line2=line2,
        city=city,
        state=state,
        postal_code=postal_code,
        country=country,
        region=region,
        source=source,
        is_primary=is_primary,
    )
    try:
        with transaction.atomic():
            [pk] = contact_points_add_many(organization_id=debtor.organization_id, actor=actor, points=[spec])
    except IntegrityError:
        return ContactPoint.objects.get(debtor=debtor, kind=kind, value=spec.value)
    return ContactPoint.objects.get(pk=pk)


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
    if channel not in Channel.values:
        raise ArrearsError(DebtorError.INVALID_CONTACT, f"unknown channel {channel!r}")
    if contact_point is not None and contact_point.debtor_id != debtor.pk:
        raise ArrearsError(DebtorError.INVALID_CONTACT, "that contact point is not this debtor's")
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
        event=Event(f"consent.{kind}.{'granted' if granted else 'revoked'}"),
        subject_type="debtor",
        subject_id=debtor.pk,
        data={"channel": channel, "contact_point": contact_point and contact_point.pk, "source": source},
    )
    return record


@dataclass(frozen=True, slots=True)
class ConsentSpec:
    """A consent or opt-out to record for a debtor (and one of its contact points, if given)."""

    debtor_id: int
    channel: str
    kind: str
    granted: bool
    contact_point_id: int | None = None
    source: str = ""
    note: str = ""


@transaction.atomic
def consents_record_many(
    *, organization_id: int, actor: Principal, consents: Sequence[ConsentSpec], at: datetime | None = None
) -> list[int]:
    """Record consents with one insert and one audit event each, as ``consent_record`` does for one
    (a consent from an original creditor's application, for many debtors at once); returns their ids."""
    if not consents:
        return []
    if unknown := {c.kind for c in consents} - set(ConsentKind.values):
        raise ArrearsError(DebtorError.INVALID_CONTACT, f"unknown consent kind {sorted(unknown)[0]!r}")
    base = column_defaults(ConsentRecord, now=utcnow())
    base["organization_id"] = organization_id
    base["recorded_at"] = at or utcnow()
    ids = insert_rows(
        ConsentRecord,
        [
            {
                **base,
                "debtor_id": c.debtor_id,
                "contact_point_id": c.contact_point_id,
                "channel": c.channel,
                "kind": c.kind,
                "granted": c.granted,
                "source": c.source,
                "note": c.note,
            }
            for c in consents
        ],
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event(f"consent.{c.kind}.{'granted' if c.granted else 'revoked'}"),
                subject_type="debtor",
                subject_id=c.debtor_id,
                data={"channel": c.channel, "contact_point": c.contact_point_id, "source": c.source},
            )
            for c in consents
        ],
    )
    return ids


def debtor_reveal_national_id(*, debtor: Debtor, actor: Principal, reason: str) -> str:
    """The plain national id, for a principal allowed to see it, who says why. Every view is audited:
    who (the actor), when (the event's time) and why (``reason``)."""
    if not actor.can("view_pii"):
        raise ArrearsError(DebtorError.PII_FORBIDDEN, "your role may not view national ids")
    if not reason.strip():
        raise ArrearsError(DebtorError.PII_REASON_REQUIRED, "say why you need the full national id")
    audit_record(
        actor=actor,
        event=Event.DEBTOR_NATIONAL_ID_VIEWED,
        subject_type="debtor",
        subject_id=debtor.pk,
        data={"reason": reason.strip()[:300]},
    )
    return debtor.national_id_plain()


def debtor_lock(*, debtor_id: int) -> None:
    """Lock the debtor's row until the transaction ends: one debtor's contacts are decided and recorded
    one at a time (two collectors dialling at once, two clicks on one unsubscribe link)."""
    Debtor.objects.select_for_update().only("pk").get(pk=debtor_id)


def contact_point_status_set(
    *, contact_point: ContactPoint | None, status: str, actor: Principal, reason: str
) -> None:
    """Mark a contact point (a bounce, returned mail, a provider's verdict), audited; no-op when it is
    already in that status. The given instance is updated too."""
    if contact_point is None or contact_point.status == status:
        return
    ContactPoint.objects.filter(pk=contact_point.pk).update(status=status, updated_at=utcnow())
    audit_record(
        actor=actor,
        event=Event.CONTACT_POINT_STATUS_CHANGED,
        subject_type="debtor",
        subject_id=contact_point.debtor_id,
        data={
            "contact_point": contact_point.pk,
            "from": contact_point.status,
            "to": status,
            "reason": reason[:500],
        },
    )
    contact_point.status = status


@transaction.atomic
def contact_point_update(
    *,
    contact_point: ContactPoint,
    actor: Principal,
    status: str | None = None,
    label: str | None = None,
    is_primary: bool | None = None,
    reason: str = "",
) -> ContactPoint:
    """Change a contact point's status (a wrong number, a bounced address), label or whether it is the
    debtor's primary one of its kind (the others of that kind stop being primary), audited; what is
    unchanged is left alone. The compliance gate reads the row at its next decision."""
    point = ContactPoint.objects.select_for_update().get(
        pk=contact_point.pk, organization_id=actor.organization_id
    )
    if status is not None and status not in ContactStatus.values:
        raise ArrearsError(DebtorError.INVALID_CONTACT, f"unknown contact point status {status!r}")
    if label is not None and label not in ContactLabel.values:
        raise ArrearsError(DebtorError.INVALID_CONTACT, f"unknown contact point label {label!r}")
    if status is not None:
        contact_point_status_set(contact_point=point, status=status, actor=actor, reason=reason or "updated")
    changed: dict[str, object] = {}
    if label is not None and label != point.label:
        point.label = changed["label"] = label
    if is_primary is not None and is_primary != point.is_primary:
        if is_primary:
            ContactPoint.objects.filter(debtor_id=point.debtor_id, kind=point.kind, is_primary=True).exclude(
                pk=point.pk
            ).update(is_primary=False, updated_at=utcnow())
        point.is_primary = changed["is_primary"] = is_primary
    if changed:
        point.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            event=Event.CONTACT_POINT_UPDATED,
            subject_type="debtor",
            subject_id=point.debtor_id,
            data={"contact_point": point.pk, **changed},
        )
    return point


@dataclass(frozen=True, slots=True)
class MergeCandidateSpec:
    """Two debtors that look alike (``debtor_a_id`` < ``debtor_b_id``) for a person to decide on."""

    debtor_a_id: int
    debtor_b_id: int
    score: float
    reason: str
    job_id: int | None = None


@transaction.atomic(savepoint=False)
def merge_candidates_add_many(
    *, organization_id: int, candidates: Sequence[MergeCandidateSpec], now: datetime | None = None
) -> int:
    """Record pairs of look-alike debtors as open merge candidates, with one insert; a pair already
    recorded (in any status) is left as it is. Returns how many were added."""
    if not candidates:
        return 0
    taken = set(
        MergeCandidate.objects.filter(debtor_a_id__in=[c.debtor_a_id for c in candidates]).values_list(
            "debtor_a_id", "debtor_b_id"
        )
    )
    base = column_defaults(MergeCandidate, now=now or utcnow())
    base["organization_id"] = organization_id
    rows = [
        {
            **base,
            "debtor_a_id": c.debtor_a_id,
            "debtor_b_id": c.debtor_b_id,
            "score": c.score,
            "reason": c.reason,
            "job_id": c.job_id,
        }
        for c in candidates
        if (c.debtor_a_id, c.debtor_b_id) not in taken
    ]
    insert_rows(MergeCandidate, rows)
    return len(rows)


@transaction.atomic
def debtor_preferences_set(
    *,
    debtor: Debtor,
    actor: Principal,
    language: str | None = None,
    inconvenient_times: list[dict[str, object]] | None = None,
) -> Debtor:
    """What the consumer told us about themselves: their language, and the times they said are
    inconvenient (1006.6(b)(1)(i)). The compliance gate reads both from the row at its next decision."""
    locked = Debtor.objects.select_for_update().get(pk=debtor.pk, organization_id=actor.organization_id)
    changed: dict[str, object] = {}
    if language is not None and language != locked.language:
        locked.language = changed["language"] = language[:10]
    if inconvenient_times is not None and inconvenient_times != locked.inconvenient_times:
        locked.inconvenient_times = changed["inconvenient_times"] = inconvenient_times
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            event=Event.DEBTOR_PREFERENCES_SET,
            subject_type="debtor",
            subject_id=locked.pk,
            data=changed,
        )
    return locked


def debtor_national_ids_rotate(*, after_id: int, batch: int) -> RotationBatch:
    """Re-encrypt the national ids of the ``batch`` debtors after ``after_id`` under the newest field
    key (`arrears rotate-keys`); those already under it are left alone, so a rotation resumes."""
    return rotate_column_batch(Debtor, "national_id_encrypted", after_id=after_id, batch=batch)


ERASED = "[erased]"


@transaction.atomic
def debtors_erase(*, debtor_ids: Sequence[int], actor: Principal, request_ids: dict[int, int]) -> int:
    """Replace the personal data of these debtors with tombstones (erasure: GDPR art. 17, CCPA).

    The rows stay, so every account, ledger entry, contact attempt and audit event that points at them
    still does: the ledger still sums and the audit chain still verifies. What identified the person
    goes: names, date of birth, national id, reference, contact points' values and addresses, consent
    notes. The debtor is marked do-not-contact. ``request_ids`` maps a debtor to its erasure request.
    """
    debtors = list(
        Debtor.objects.select_for_update().filter(organization_id=actor.organization_id, pk__in=debtor_ids)
    )
    for d in debtors:
        d.first_name = d.middle_name = d.company_name = d.ref = d.timezone = ""
        d.last_name = ERASED
        d.name_key = f"erased:{d.pk}"
        d.date_of_birth = None
        d.national_id_encrypted = d.national_id_hash = d.national_id_last4 = ""
        d.inconvenient_times = []
        d.do_not_contact = True
        d.do_not_contact_reason = "other"
    fields = [
        "first_name", "middle_name", "last_name", "company_name", "ref", "timezone", "name_key",
        "date_of_birth", "national_id_encrypted", "national_id_hash", "national_id_last4",
        "inconvenient_times", "do_not_contact", "do_not_contact_reason",
    ]  # fmt: skip
    Debtor.objects.bulk_update(debtors, fields, batch_size=500)
    ids = [d.pk for d in debtors]
    points = list(ContactPoint.objects.filter(debtor_id__in=ids))
    for p in points:
        p.value = f"erased:{p.pk}"
        p.line1 = p.line2 = p.city = p.postal_code = p.source = ""
        p.status = ContactStatus.INVALID
        p.is_primary = False
    ContactPoint.objects.bulk_update(
        points,
        ["value", "line1", "line2", "city", "postal_code", "source", "status", "is_primary"],
        batch_size=500,
    )
    ConsentRecord.objects.filter(debtor_id__in=ids).update(note="")
    points_of: dict[int, int] = {}
    for p in points:
        points_of[p.debtor_id] = points_of.get(p.debtor_id, 0) + 1
    MergeCandidate.objects.filter(Q(debtor_a_id__in=ids) | Q(debtor_b_id__in=ids)).delete()
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.DEBTOR_ERASED,
                subject_type="debtor",
                subject_id=pk,
                data={
                    "request": request_ids.get(pk),
                    "contact_points": sum(p.debtor_id == pk for p in points),
                },
            )
            for pk in ids
        ],
    )
    return len(ids)
