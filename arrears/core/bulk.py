"""Write many rows in one statement, for batch writers on hot tables.

Django's `bulk_update` builds a CASE per field and row in Python, and `bulk_create` prepares every
value of every model instance; both cost more than the database work they send. On PostgreSQL these
helpers send one `UPDATE … FROM (VALUES …)` or one `COPY`; elsewhere (SQLite, one writer at a time)
they fall back to the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.db.models import F, Lookup, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter


def in_array(values: Sequence[Any], sql_type: str = "bigint") -> Any:
    """`field__in=in_array(values)`: the values as one array parameter on PostgreSQL. An IN list of
    thousands costs more to build and parse than to run. Elsewhere, the values as they are."""
    if connection.vendor == "postgresql":
        return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [list(values)])  # noqa: S611 (a fixed type name)  # nosec B611
    return values


class AnyOf(Lookup[Any]):
    """``column = ANY(%s)`` with the ids as one array parameter. A 2,000-item ``IN (%s, …)`` costs more
    to build and to bind (in Python, for every query) than PostgreSQL takes to run it."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        # An array literal, '{1,2,3}': the ids are ints, and a string is cheaper to send than a list.
        literal = "{" + ",".join(str(int(i)) for i in self.rhs) + "}"
        return f"{lhs} = ANY(%s::bigint[])", (*params, literal)


def among(name: str, ids: Iterable[int]) -> Q | AnyOf:
    """A filter: the column (or lookup path) ``name`` is one of the integer ``ids``; on PostgreSQL one
    array literal (``AnyOf``), elsewhere an ``IN`` list."""
    if connection.vendor == "postgresql":
        return AnyOf(F(name), ids)
    return Q(**{f"{name}__in": list(ids)})


def select_in(
    head: str, column: str, values: Iterable[Any], *, also: str = "", params: Sequence[Any] = ()
) -> list[tuple[Any, ...]]:
    """`head WHERE [also AND] column IN values`: one array parameter on PostgreSQL (no query text
    thousands of placeholders long), chunks under SQLite's variable limit. `also` is a fixed condition
    (with its `params`) that lets the planner use a partial or composite index."""
    values = list(values)
    if not values:
        return []
    where = f"{also} AND " if also else ""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{head} WHERE {where}{column} = ANY(%s)", [*params, values])
            return list(cursor.fetchall())
        rows: list[tuple[Any, ...]] = []
        for i in range(0, len(values), 900):
            part = values[i : i + 900]
            cursor.execute(
                f"{head} WHERE {where}{column} IN ({', '.join(['%s'] * len(part))})", [*params, *part]
            )
            rows.extend(cursor.fetchall())
        return rows


def analyze(columns: Mapping[type[models.Model], Sequence[str]]) -> None:
    """ANALYZE these columns of these tables (column-restricted ANALYZE is cheap), so PostgreSQL keeps
    choosing the right index while a batch writer grows the tables (autovacuum notices much later).
    A no-op elsewhere."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model, names in columns.items():
            cursor.execute(f'ANALYZE "{model._meta.db_table}" ({", ".join(names)})')


# Autovacuum's own rule for analyzing a table: more rows changed since the last ANALYZE than this fixed
# number plus this share of the table (PostgreSQL's defaults).
STALE_ROWS, STALE_SHARE = 50, 0.1


def analyze_stale() -> list[str]:
    """ANALYZE every table of the schema that autovacuum would analyze now (more rows changed since its
    last ANALYZE than autovacuum's threshold, or grown by more than that share), and return their
    names. A bulk writer calls it when it is done, and the nightly run before it plans a million
    look-ups: autovacuum may be off, or minutes behind, and a plan made on the statistics of a table a
    tenth its size reads whole tables (an import of 1,000,000 accounts left the next night's look-ups
    by debtor at 340 ms a chunk instead of 4). A no-op elsewhere than PostgreSQL."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        # Rows changed since the last ANALYZE (the statistics counters), or, should the counters have
        # been reset (a crash, a database copied from a template), pages grown since the planner's
        # figures were taken (`relpages`, which ANALYZE and VACUUM set).
        cursor.execute(
            """
            SELECT c.relname FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE n.nspname = current_schema() AND c.relkind = 'r' AND (
                coalesce(s.n_mod_since_analyze, 0) > %(rows)s + %(share)s * greatest(s.n_live_tup, 0)
                OR pg_relation_size(c.oid) / current_setting('block_size')::int
                    > 8 + (1 + %(share)s) * greatest(c.relpages, 0)
            )
            ORDER BY c.relname
            """,
            {"rows": STALE_ROWS, "share": STALE_SHARE},
        )
        stale = [name for (name,) in cursor.fetchall()]
        for name in stale:
            cursor.execute(f'ANALYZE "{name}"')
    return stale


def update_rows(
    model: type[models.Model],
    values: Mapping[int, Mapping[str, Any]],
    fields: Sequence[str],
    *,
    add: bool = False,
) -> None:
    """For each primary key, set `fields` to the given values, or add them to the current ones."""
    if not values or not fields:
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


_DJANGO_JSON = DjangoJSONEncoder()
# Dates, times and dataclasses go to Django's encoder, so a row written here holds exactly what the
# ORM writes (Django's `JSONField` encodes with `DjangoJSONEncoder`); the rest orjson writes itself.
_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


def json_text(value: Any) -> str:
    """`value` as JSON text, as a Django `JSONField` would store it, several times faster than
    `json.dumps`: batch writers store a JSON document or three per row."""
    try:
        return orjson.dumps(value, default=_DJANGO_JSON.default, option=_ORJSON).decode()
    except orjson.JSONEncodeError:  # an integer wider than 64 bits, say: the standard library takes it
        return json.dumps(value, cls=DjangoJSONEncoder)


@cache
def _column_defaults(model: type[models.Model]) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]:
    """Each column but `id` with its static default, and the auto_now/auto_now_add columns."""
    defaults: list[tuple[str, Any]] = []
    stamps: list[str] = []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            stamps.append(f.attname)
        elif f.has_default():
            defaults.append((f.attname, f.default if callable(f.default) else f.get_default()))
        else:
            defaults.append((f.attname, None if f.null else ""))
    return tuple(defaults), tuple(stamps)


def column_defaults(model: type[models.Model], *, now: datetime) -> dict[str, Any]:
    """Every column of `model` but `id` with the value Django would give it when not named: its
    default, `now` for auto_now/auto_now_add. A batch writer updates a copy per row, so that `COPY`
    (which runs no Django defaults) writes exactly what `Model.objects.create` would. A callable
    default is called once per call of this function, not per row: name such columns per row."""
    defaults, stamps = _column_defaults(model)
    row = {name: (value() if callable(value) else value) for name, value in defaults}
    row.update(dict.fromkeys(stamps, now))
    return row


@cache
def _insert_plan(
    model: type[models.Model],
) -> tuple[tuple[models.Field[Any, Any], ...], frozenset[str], frozenset[str], str]:
    """The columns but `id` an INSERT names, the attnames a row must give (all but the auto_now and
    auto_now_add ones, which Django sets itself), those it may give, and the statement's head."""
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    stamps = {f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)}
    names = frozenset(f.attname for f in fields)
    quoted = ", ".join(f'"{f.column}"' for f in fields)
    head = f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES '  # noqa: S608 (the model's own names)
    return fields, names - stamps, names, head


def _insert_returning(model: type[models.Model], rows: Sequence[Mapping[str, Any]]) -> list[int] | None:
    """A few rows in one `INSERT … RETURNING id`, their values prepared by their fields as the ORM's
    `bulk_create` prepares them (with `now` in the auto_now columns), without its cost (building an
    instance per row and compiling the statement costs ~1 ms, several times the insert). None, for
    the ORM to do it, unless every row names every other column (no default to work out)."""
    fields, needed, allowed, head = _insert_plan(model)
    if not rows or not all(needed <= row.keys() <= allowed for row in rows):
        return None
    now = timezone.now()
    params: list[Any] = []
    for row in rows:
        for f in fields:
            value = row[f.attname] if f.attname in needed else now
            params.append(f.get_db_prep_save(value, connection))
    one = f"({', '.join(['%s'] * len(fields))})"
    pk_column = model._meta.pk.column  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        # Identifiers come from the model's own metadata; every value is a bound parameter.
        cursor.execute(f'{head}{", ".join([one] * len(rows))} RETURNING "{pk_column}"', params)
        return [r[0] for r in cursor.fetchall()]


_SEQUENCES: dict[str, str] = {}
# Below this many rows one INSERT … RETURNING is one round trip, where COPY needs two.
COPY_MIN_ROWS = 20


def insert_rows(
    model: type[models.Model], rows: Iterable[Mapping[str, Any]], *, count: int | None = None
) -> list[int]:
    """Insert rows given as {attname: value} with every column but `id`; returns their new ids in order.

    On PostgreSQL the ids come from the table's sequence and the rows go in by `COPY`, which runs no
    Django defaults: the caller names every column. A thread sends the data while the next rows are
    made, so with ``count`` given, ``rows`` may be a generator that does its work as it is consumed
    (the compliance gate decides as its decisions stream in): PostgreSQL stores one row while Python
    makes the next. Such a generator must not use the database connection, which the `COPY` holds.
    """
    if count is None:
        assert isinstance(rows, Sequence), "count is needed when rows is an iterator"
        count = len(rows)
    if not count:
        return []
    if connection.vendor != "postgresql" or count < COPY_MIN_ROWS:
        rows = list(rows)
        if count < COPY_MIN_ROWS and (ids := _insert_returning(model, rows)) is not None:
            if len(ids) != count:
                raise ValueError(f"{len(ids)} rows given where {count} were announced")
            return ids
        created = model._default_manager.bulk_create([model(**row) for row in rows])
        if len(created) != count:
            raise ValueError(f"{len(created)} rows given where {count} were announced")
        return [obj.pk for obj in created]
    table = model._meta.db_table
    stream = iter(rows)
    first = next(stream, None)
    if first is None:
        raise ValueError(f"no rows given where {count} were announced")
    columns = list(first)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    json_at = [i for i, c in enumerate(columns, 1) if isinstance(fields.get(c), models.JSONField)]
    instant_at = [i for i, c in enumerate(columns, 1) if isinstance(fields.get(c), models.DateTimeField)]
    quoted = ", ".join(f'"{c}"' for c in ("id", *columns))
    pick = itemgetter(*columns)
    # A batch's rows mostly share their instants (when it was decided, for when): psycopg dumps a
    # datetime for every row at several times the cost of a string, so each is written as text once.
    instants: dict[datetime, str] = {}
    # COPY goes through the psycopg cursor itself: map its errors (a unique violation) to Django's.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if table not in _SEQUENCES:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            _SEQUENCES[table] = cursor.fetchone()[0]
        # The sequence is named once: resolving it per row costs several times the nextval itself.
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [_SEQUENCES[table], count])
        ids = [r[0] for r in cursor.fetchall()]
        raw = cursor.cursor
        # Identifiers come from the model's own metadata; the values travel as COPY data.
        with raw.copy(f'COPY "{table}" ({quoted}) FROM STDIN', writer=QueuedLibpqWriter(raw)) as copy:
            for pk, row in zip(ids, chain((first,), stream), strict=True):
                picked = pick(row)
                values = [pk, *picked] if len(columns) > 1 else [pk, picked]
                for i in json_at:
                    values[i] = json_text(values[i])
                for i in instant_at:
                    value = values[i]
                    if isinstance(value, datetime) and value.tzinfo is not None:
                        text = instants.get(value)
                        if text is None:
                            text = instants[value] = value.isoformat()
                        values[i] = text
                copy.write_row(values)
    return ids
