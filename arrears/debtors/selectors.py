from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Model, Prefetch

from arrears.accounts.models import Account, AccountDebtor
from arrears.accounts.selectors import debtor_link_order
from arrears.core.bulk import select_in
from arrears.tenancy.domain import Principal

from .models import ContactPoint, Debtor


def debtors_for_account(*, principal: Principal, account: Account) -> list[tuple[str, Debtor]]:
    """The account's debtors (primary first) with their contact points, as (role, debtor)."""
    points = ContactPoint.objects.order_by("kind", "-is_primary", "id")
    links = (
        AccountDebtor.objects.filter(account=account, organization_id=principal.organization_id)
        .select_related("debtor")
        .prefetch_related(Prefetch("debtor__contact_points", queryset=points))
        .order_by(*debtor_link_order())
    )
    return [(link.role, link.debtor) for link in links]


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
