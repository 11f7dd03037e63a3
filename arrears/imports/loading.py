"""Writing many rows fast: PostgreSQL `COPY` (psycopg 3), or batched inserts on SQLite.

Ids are allocated up front (PostgreSQL sequences, or the write-locked table maximum on SQLite) so
that child rows can point at parent rows written in the same batch. Every column is written:
Python-side defaults are filled in here, because COPY does not run Django's defaults.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection, models
from psycopg.copy import QueuedLibpqWriter


@cache
def _plan(model: type[models.Model]) -> tuple[tuple[str, ...], dict[str, Any], frozenset[str]]:
    """Column attnames, their static defaults, and the auto_now/auto_now_add columns."""
    names: list[str] = []
    defaults: dict[str, Any] = {}
    stamps: set[str] = set()
    for f in model._meta.concrete_fields:
        names.append(f.attname)
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamps.add(f.attname)
        elif f.has_default():
            defaults[f.attname] = f.get_default()
        else:
            defaults[f.attname] = None if f.null else ""
    return tuple(names), defaults, frozenset(stamps)


@cache
def _sequence(table: str) -> str:
    """The id sequence of a table, looked up once (resolving it per row costs 8× the nextval itself)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return str(cursor.fetchone()[0])


class BulkWriter:
    """Inserts plain dicts (attname → value) into a model's table in one round trip per table."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.postgres = connection.vendor == "postgresql"
        self._next_id: dict[type[models.Model], int] = {}

    def allocate(self, model: type[models.Model], count: int) -> list[int]:
        if count == 0:
            return []
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if self.postgres:
                sequence = _sequence(table)
                cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
                return [row[0] for row in cursor.fetchall()]
            # SQLite: the transaction holds the database write lock (IMMEDIATE), so the maximum is ours.
            cursor.execute(f'SELECT COALESCE(MAX("id"), 0) FROM "{table}"')  # noqa: S608 (model meta)  # nosec B608
            start = max(cursor.fetchone()[0], self._next_id.get(model, 0)) + 1
        self._next_id[model] = start + count - 1
        return list(range(start, start + count))

    def insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> int:
        if not rows:
            return 0
        names, defaults, stamps = _plan(model)
        columns = [n for n in names if n != "id" or "id" in rows[0]]
        fixed = {**defaults, **dict.fromkeys(stamps, self.now)}
        if self.postgres:
            for f in model._meta.concrete_fields:
                if isinstance(f, models.JSONField) and f.attname in fixed:
                    fixed[f.attname] = json.dumps(fixed[f.attname])
            self._copy(model, columns, fixed, rows)
        else:
            objs = [model(**{c: row[c] if c in row else fixed[c] for c in columns}) for row in rows]
            model._default_manager.bulk_create(objs, batch_size=500)
        return len(rows)

    def _copy(
        self,
        model: type[models.Model],
        columns: list[str],
        fixed: dict[str, Any],
        rows: Iterable[dict[str, Any]],
    ) -> None:
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN'
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
            # A thread sends the rows while this one formats the next ones, so PostgreSQL inserts
            # (and maintains its indexes) while Python is still building rows.
            with raw.copy(sql, writer=QueuedLibpqWriter(raw)) as copy:
                write = copy.write_row
                for row in rows:
                    write([row[c] if c in row else fixed[c] for c in columns])
