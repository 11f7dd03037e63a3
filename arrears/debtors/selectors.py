from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, QuerySet

from arrears.core.bulk import select_in
from arrears.core.errors import NotFound
from arrears.tenancy.domain import Principal

from .choices import CandidateStatus
from .errors import MergeProblem
from .models import ContactPoint, Debtor, DebtorMerge, MergeCandidate


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
