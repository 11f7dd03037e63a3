from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Model, Prefetch, QuerySet

from arrears.core.bulk import among, select_in
from arrears.core.errors import NotFound
from arrears.core.rotation import stale_count
from arrears.core.sql import in_ids, in_texts, instant_param, select
from arrears.tenancy.domain import Principal

from .choices import CandidateStatus
from .errors import DebtorError, MergeProblem
from .models import ConsentRecord, ContactPoint, Debtor, DebtorMerge, MergeCandidate


def merge_candidate_list(*, actor: Principal, status: str = CandidateStatus.OPEN) -> QuerySet[MergeCandidate]:
    return (
        MergeCandidate.objects.filter(organization_id=actor.organization_id, status=status)
        .select_related("debtor_a", "debtor_b")
        .order_by("-score", "id")
    )


def merge_candidate_get(*, actor: Principal, candidate_id: int) -> MergeCandidate:
    try:
        return MergeCandidate.objects.select_related("debtor_a", "debtor_b").get(
            pk=candidate_id, organization_id=actor.organization_id
        )
    except MergeCandidate.DoesNotExist:
        raise NotFound(MergeProblem.CANDIDATE_NOT_FOUND, f"no merge candidate #{candidate_id}") from None


def debtor_merge_list(*, actor: Principal) -> QuerySet[DebtorMerge]:
    return (
        DebtorMerge.objects.filter(organization_id=actor.organization_id)
        .select_related("kept", "merged")
        .order_by("-merged_at", "-id")
    )


# ── look-ups for batch writers (an import's debtor matching) ──────────────────────────────────────
# Plain index look-ups, no joins: their plans stay good while a big import grows the tables. Each
# searches by one indexed column alone; the caller checks the organization and merges in Python.
MATCHING_COLUMNS: dict[type[Model], tuple[str, ...]] = {
    Debtor: ("organization_id", "national_id_hash", "name_key", "date_of_birth", "merged_into_id"),
    ContactPoint: ("value", "kind"),
}
_D = Debtor._meta.db_table
_SQL_BY_ID_HASH = f"SELECT id, name_key, national_id_hash, organization_id, merged_into_id FROM {_D}"  # noqa: S608
_SQL_BY_NAME = f"SELECT id, name_key, date_of_birth, organization_id, merged_into_id FROM {_D}"  # noqa: S608
_SQL_NAMES = f"SELECT id, name_key, organization_id, merged_into_id FROM {_D}"  # noqa: S608
_SQL_POINTS = f"SELECT debtor_id, kind, value, organization_id FROM {ContactPoint._meta.db_table}"  # noqa: S608


def debtor_rows_by_national_id_hash(*, hashes: Iterable[str]) -> list[tuple[Any, ...]]:
    """(id, name_key, national_id_hash, organization_id, merged_into_id) of debtors with these hashes."""
    return select_in(_SQL_BY_ID_HASH, "national_id_hash", hashes, also="national_id_hash <> ''")


def debtor_rows_by_name_key(*, organization_id: int, name_keys: Iterable[str]) -> list[tuple[Any, ...]]:
    """(id, name_key, date_of_birth, organization_id, merged_into_id) of the organization's debtors
    with these name keys (SQLite gives the date as text)."""
    return select_in(
        _SQL_BY_NAME, "name_key", name_keys, also="organization_id = %s", params=[organization_id]
    )


def debtor_rows_by_id(*, ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """(id, name_key, organization_id, merged_into_id) of these debtors."""
    return select_in(_SQL_NAMES, "id", ids)


def contact_point_rows_by_value(*, values: Iterable[str]) -> list[tuple[Any, ...]]:
    """(debtor_id, kind, value, organization_id) of contact points with these values."""
    return select_in(_SQL_POINTS, "value", values)


# ── reads for the compliance gate and other apps' pages ─────────────────────────────────────────────
# The gate (``compliance.gather``) reads thousands of debtors a second, and a single decision must cost
# a few milliseconds: its reads are written by hand (``arrears.core.sql``), since Django takes several
# times longer to build and compile each queryset than the database takes to run it.
# ``compliance/tests/test_decision_reads.py`` holds each to the queryset it replaces, on both databases.
DECISION_DEBTOR_COLUMNS = (
    "id", "organization_id", "timezone", "inconvenient_times", "do_not_contact", "do_not_contact_reason"
)  # fmt: skip
_DEBTORS = Debtor._meta.db_table
_POINTS = ContactPoint._meta.db_table
_CONSENTS = ConsentRecord._meta.db_table
_POINT_COLUMNS = frozenset(f.column for f in ContactPoint._meta.concrete_fields)


def debtors_for_decisions(*, debtor_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """These debtors as rows of ``DECISION_DEBTOR_COLUMNS``, the inconvenient times as their JSON text
    (most debtors have none: the caller parses the few that do)."""
    where, params = in_ids("id", debtor_ids)
    return select(f"SELECT {', '.join(DECISION_DEBTOR_COLUMNS)} FROM {_DEBTORS} WHERE {where}", params)  # noqa: S608 (fixed names; values bound)


def debtor_from_row(*, fields: Sequence[str], row: Sequence[Any]) -> Debtor:
    """A debtor instance built from a row of ``fields`` already read (the other columns deferred)."""
    return Debtor.from_db(connection.alias, list(fields), row)


def contact_points_for_decisions(
    *, debtor_ids: Iterable[int], fields: Sequence[str], exclude_statuses: Collection[str] = ()
) -> list[tuple[Any, ...]]:
    """The debtors' contact points as rows of ``fields`` (columns), primary first, without those in
    these statuses."""
    unknown = set(fields) - _POINT_COLUMNS
    if unknown:
        raise ValueError(f"not columns of {_POINTS}: {sorted(unknown)}")
    where, params = in_ids("debtor_id", debtor_ids)
    if exclude_statuses:
        excluded, more = in_texts("status", exclude_statuses)
        where, params = f"{where} AND NOT ({excluded})", [*params, *more]
    return select(
        f"SELECT {', '.join(fields)} FROM {_POINTS} WHERE {where} ORDER BY is_primary DESC, id",  # noqa: S608 (the model's column names; values bound)
        params,
    )


def contact_point_values(*, ids: Iterable[int]) -> list[tuple[int, str]]:
    """(id, value) of these contact points."""
    where, params = in_ids("id", ids)
    return select(f"SELECT id, value FROM {_POINTS} WHERE {where}", params)  # type: ignore[return-value]  # noqa: S608 (fixed names; values bound)


def contact_point_values_of_debtors(*, debtor_ids: Iterable[int]) -> list[tuple[int, int, str]]:
    """(point id, debtor_id, value) of these debtors' contact points, by point id."""
    where, params = in_ids("debtor_id", debtor_ids)
    return select(f"SELECT id, debtor_id, value FROM {_POINTS} WHERE {where} ORDER BY id", params)  # type: ignore[return-value]  # noqa: S608 (fixed names; values bound)


def contact_points_in_bulk(*, ids: Iterable[int]) -> dict[int, ContactPoint]:
    """These contact points by id (the ones that exist)."""
    return ContactPoint.objects.in_bulk(list(ids))


def consents_for_decisions(
    *, debtor_ids: Iterable[int], at: datetime
) -> list[tuple[int, int | None, str, str, bool]]:
    """(debtor_id, contact_point_id, channel, kind, granted) of the debtors' consent records up to ``at``,
    oldest first (so the newest wins when read into a dict)."""
    where, params = in_ids("debtor_id", debtor_ids)
    return select(  # type: ignore[return-value]
        f"SELECT debtor_id, contact_point_id, channel, kind, granted FROM {_CONSENTS} "  # noqa: S608 (fixed names; values bound)
        f"WHERE {where} AND recorded_at <= %s ORDER BY recorded_at, id",
        [*params, instant_param(at)],
    )


def debtor_mailing_address(*, debtor: Debtor) -> ContactPoint | None:
    """The debtor's postal address to mail to: the primary one first, never one known to be bad."""
    return (
        ContactPoint.objects.filter(debtor=debtor, kind="address")
        .exclude(status__in=["undeliverable", "wrong_party", "invalid"])
        .order_by("-is_primary", "id")
        .first()
    )


def contact_points_to_message(
    *, debtor_ids: Collection[int], kind: str, exclude_statuses: Collection[str], for_rendering: bool = True
) -> QuerySet[ContactPoint]:
    """The debtors' contact points of ``kind``, by debtor, primary first, without those in these statuses:
    with their debtors (for rendering), or else only the columns the compliance gate reads."""
    points = (
        ContactPoint.objects.filter(debtor_id__in=debtor_ids, kind=kind)
        .exclude(status__in=exclude_statuses)
        .order_by("debtor_id", "-is_primary", "id")
    )
    if for_rendering:
        return points.select_related("debtor")
    return points.only("id", "debtor_id", "kind", "label", "value")


def contact_points_usable(
    *, debtor: Debtor, kind: str, exclude_statuses: Collection[str]
) -> QuerySet[ContactPoint]:
    """The debtor's contact points of ``kind``, without those in these statuses (unordered)."""
    return ContactPoint.objects.filter(debtor=debtor, kind=kind).exclude(status__in=exclude_statuses)


def contact_point_of_debtors(*, debtors: Sequence[Debtor], kind: str, value: str) -> ContactPoint | None:
    """The first of these debtors' contact points of ``kind`` with this value, with its debtor."""
    return (
        ContactPoint.objects.filter(debtor__in=debtors, kind=kind, value=value)
        .select_related("debtor")
        .first()
    )


def contact_points_by_phone(*, organization_id: int, number: str) -> QuerySet[ContactPoint]:
    """The organization's phone contact points with this (normalized) number, with their debtors, by id."""
    return (
        ContactPoint.objects.filter(organization_id=organization_id, kind="phone", value=number)
        .select_related("debtor")
        .order_by("id")
    )


def consent_opted_out(*, debtor: Debtor, contact_point: ContactPoint, channel: str) -> bool:
    """Whether the debtor's newest opt-out record for this contact point and channel is in force."""
    newest = (
        ConsentRecord.objects.filter(
            debtor=debtor, contact_point=contact_point, channel=channel, kind="opt_out"
        )
        .order_by("-recorded_at", "-id")
        .first()
    )
    return bool(newest and newest.granted)


def contact_points_ordered() -> QuerySet[ContactPoint]:
    """Contact points in the order a page lists them: by kind, the primary first (for a ``Prefetch``)."""
    return ContactPoint.objects.order_by("kind", "-is_primary", "id")


def contact_points_of_organization(*, organization_id: int) -> QuerySet[ContactPoint]:
    """The organization's contact points (for a search to filter further)."""
    return ContactPoint.objects.filter(organization_id=organization_id)


def debtors_in_bulk(*, ids: Iterable[int]) -> dict[int, Debtor]:
    """These debtors by id (the ones that exist)."""
    return Debtor.objects.in_bulk(list(ids))


def debtor_national_ids_stale() -> int:
    """How many national ids are not yet under the newest field key."""
    return stale_count(Debtor, "national_id_encrypted")


def debtor_exists(*, organization_id: int, debtor_id: int) -> bool:
    return Debtor.objects.filter(organization_id=organization_id, pk=debtor_id).exists()


def _esign_points(debtor_ids: Collection[int], at: datetime) -> tuple[set[int], set[int]]:
    """(email points with a standing E-SIGN consent, debtors that have any email consent records)."""
    from .domain import esign_email_points

    records: dict[int, list[tuple[int | None, str, str, bool, str]]] = {}
    for row in (
        ConsentRecord.objects.filter(among("debtor_id", debtor_ids), channel="email", recorded_at__lte=at)
        .order_by("recorded_at", "id")
        .values_list("debtor_id", "contact_point_id", "channel", "kind", "granted", "source")
    ):
        records.setdefault(row[0], []).append(row[1:])
    return {pk for rows in records.values() for pk in esign_email_points(rows)}, set(records)


def esign_emails(
    *, debtor_ids: Collection[int], at: datetime, exclude_statuses: Collection[str]
) -> dict[int, ContactPoint]:
    """Per debtor, the email address to send required disclosures to electronically, if any: a usable
    one (not in these statuses) with a valid E-SIGN consent and no opt-out (``domain.esign_email_points``),
    the primary first."""
    allowed, debtors = _esign_points(debtor_ids, at)
    chosen: dict[int, ContactPoint] = {}
    if not allowed:
        return chosen
    for point in contact_points_to_message(
        debtor_ids=[d for d in debtor_ids if d in debtors], kind="email", exclude_statuses=exclude_statuses
    ):
        if point.pk in allowed:
            chosen.setdefault(point.debtor_id, point)
    return chosen


def esign_standing(*, debtor_id: int, contact_point_id: int, at: datetime) -> bool:
    """Whether the debtor's E-SIGN consent at this email address still stands (not withdrawn, not opted
    out of) at ``at``."""
    return contact_point_id in _esign_points([debtor_id], at)[0]


# ── the REST API's reads: a page of debtors, one debtor, one contact point ──────────────────────────
# ``within`` is a subquery of the debtor ids the caller may see (a client's debtors), or None for the
# whole organization; accounts' selectors build it, since the link to a client runs through accounts.


def _debtors_within(organization_id: int, within: QuerySet[Any] | None) -> QuerySet[Debtor]:
    qs = Debtor.objects.filter(organization_id=organization_id)
    return qs if within is None else qs.filter(pk__in=within)


def _with_points_and_consents(qs: QuerySet[Debtor]) -> QuerySet[Debtor]:
    return qs.prefetch_related(
        Prefetch("contact_points", queryset=contact_points_ordered()),
        Prefetch("consents", queryset=ConsentRecord.objects.order_by("recorded_at", "id")),
    )


def debtors_page(
    *, organization_id: int, within: QuerySet[Any] | None, starting_after: int | None, limit: int
) -> QuerySet[Debtor]:
    """Up to ``limit`` of the organization's debtors (not merged away) after the id ``starting_after``,
    by id, with their contact points and consent records: a cursor page."""
    qs = _debtors_within(organization_id, within).filter(merged_into__isnull=True)
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return _with_points_and_consents(qs).order_by("pk")[:limit]


def debtor_get(*, organization_id: int, pk: int, within: QuerySet[Any] | None = None) -> Debtor:
    """One debtor of the organization (among ``within``), with its contact points and consent records;
    another tenant's id is not found."""
    found = _with_points_and_consents(_debtors_within(organization_id, within)).filter(pk=pk).first()
    if found is None:
        raise NotFound(DebtorError.NOT_FOUND, f"no debtor {pk}")
    return found


def contact_point_get(*, organization_id: int, pk: int, within: QuerySet[Any] | None = None) -> ContactPoint:
    """One contact point of the organization's debtors (among ``within``), with its debtor and the
    debtor's consent records."""
    qs = (
        ContactPoint.objects.filter(organization_id=organization_id, pk=pk)
        .select_related("debtor")
        .prefetch_related(
            Prefetch("debtor__consents", queryset=ConsentRecord.objects.order_by("recorded_at", "id"))
        )
    )
    if within is not None:
        qs = qs.filter(debtor_id__in=within)
    found = qs.first()
    if found is None:
        raise NotFound(DebtorError.CONTACT_POINT_NOT_FOUND, f"no contact point {pk}")
    return found


def consent_state(records: Iterable[ConsentRecord]) -> dict[tuple[int | None, str, str], bool]:
    """The consent and opt-out in force per (contact point or None for the whole debtor, channel, kind),
    from a debtor's records oldest first: the newest record wins, as the compliance gate reads them."""
    state: dict[tuple[int | None, str, str], bool] = {}
    for r in records:
        state[(r.contact_point_id, r.channel, r.kind)] = r.granted
    return state
