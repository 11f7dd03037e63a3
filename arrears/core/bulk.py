"""Set or add values on many rows in one statement, for batch writers on hot tables.

Django's `bulk_update` builds a CASE per field and row in Python, which costs more than the
database work it replaces. On PostgreSQL this sends one `UPDATE … FROM (VALUES …)`; elsewhere
(SQLite, one writer at a time) one UPDATE per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models import F


def update_rows(
    model: type[models.Model],
    values: Mapping[int, Mapping[str, Any]],
    fields: Sequence[str],
    *,
    add: bool = False,
) -> None:
    """For each primary key, set `fields` to the given values, or add them to the current ones."""
    if not values:
        return
    if connection.vendor != "postgresql":
        for pk, row in values.items():
            model._default_manager.filter(pk=pk).update(
                **{f: (F(f) + row[f]) if add else row[f] for f in fields}
            )
        return
    meta = model._meta
    columns: list[models.Field[Any, Any]] = [meta.get_field(f) for f in fields]  # type: ignore[misc]
    pk_type = meta.pk.db_type(connection)  # type: ignore[union-attr]
    casts = [f"%s::{pk_type}", *(f"%s::{c.db_type(connection)}" for c in columns)]
    rows_sql = ", ".join(f"({', '.join(casts)})" for _ in values)
    names = ", ".join(f'"{c.column}"' for c in columns)
    assignments = ", ".join(
        f'"{c.column}" = t."{c.column}" + v."{c.column}"' if add else f'"{c.column}" = v."{c.column}"'
        for c in columns
    )
    pk_column = meta.pk.column  # type: ignore[union-attr]
    # Identifiers come from the model's own metadata; every value is a bound parameter.
    sql = f'UPDATE "{meta.db_table}" AS t SET {assignments} FROM (VALUES {rows_sql}) AS v("__pk", {names}) '  # noqa: S608
    sql += f'WHERE t."{pk_column}" = v."__pk"'
    params: list[Any] = []
    for pk, row in values.items():
        params.append(pk)
        params.extend(c.get_db_prep_save(row[c.name], connection) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
