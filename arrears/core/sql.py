"""Hand-written reads for hot paths: one SQL text for PostgreSQL and SQLite, run through the cursor.

Django spends more CPU building and compiling a small queryset (~0.7-1 ms) than PostgreSQL spends
running it (~0.2 ms). The compliance gate reads a dozen of them per decision, so its selectors write
their SQL by hand, with every value a bound parameter. What differs between the databases is kept
here: how "column IN a set" is written, and how an instant goes in and comes out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any, overload

from django.db import connection, models
from django.utils.dateparse import parse_datetime


def in_ids(column: str, ids: Iterable[int]) -> tuple[str, list[Any]]:
    """``column`` is one of the integer ``ids``, as SQL and its parameters: one array literal
    (``'{1,2,3}'``) on PostgreSQL, one ``%s`` parameter per id elsewhere. An empty set matches nothing."""
    ids = [int(i) for i in ids]
    if not ids:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, ids)) + "}"]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def in_texts(column: str, texts: Iterable[str]) -> tuple[str, list[Any]]:
    """``column`` is one of ``texts``, as SQL and its parameters (an empty set matches nothing)."""
    texts = [str(t) for t in texts]
    if not texts:
        return "1 = 0", []
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [texts]
    return f"{column} IN ({', '.join(['%s'] * len(texts))})", texts


def select(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of one query."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def instant_param(value: datetime) -> Any:
    """An aware instant as a parameter compared with a ``DateTimeField`` column, as the ORM sends it
    (SQLite stores naive UTC text: an aware value's "+00:00" would compare as text)."""
    return connection.ops.adapt_datetimefield_value(value)


@overload
def instant(value: None) -> None: ...
@overload
def instant(value: datetime | str) -> datetime: ...
def instant(value: datetime | str | None) -> datetime | None:
    """A ``DateTimeField`` value (or an aggregate of one) read through the cursor, as the ORM gives it:
    aware, in UTC. PostgreSQL gives it so already; SQLite a naive value or, for an aggregate, text."""
    if value is None or isinstance(value, datetime) and value.tzinfo is not None:
        return value
    parsed = value if isinstance(value, datetime) else parse_datetime(value)
    if parsed is None:
        raise ValueError(f"not an instant: {value!r}")
    return parsed.replace(tzinfo=UTC)  # Django stores instants in UTC on SQLite (no TIME_ZONE per database)


@cache
def _reading(
    model: type[models.Model], vendor: str
) -> tuple[str, list[str], list[tuple[int, Any, list[Callable[..., Any]]]]]:
    """The select list of every concrete column of ``model``, their attnames, and the converters the
    ORM applies to each column on this database (a decimal on SQLite, say, comes back a float)."""
    fields = model._meta.concrete_fields
    table = model._meta.db_table
    converting = []
    for i, f in enumerate(fields):
        col = f.get_col(table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converting.append((i, col, found))
    return ", ".join(f'"{table}"."{f.column}"' for f in fields), [f.attname for f in fields], converting


def select_instances(
    model: type[models.Model], where: str, params: Sequence[Any], *, tail: str = ""
) -> list[Any]:
    """Instances of ``model`` (every concrete column) whose rows match ``where``, as the ORM would build
    them: its converters applied to the values, and none of its cost of building and compiling."""
    columns, names, converting = _reading(model, connection.vendor)
    table = model._meta.db_table
    found = []
    for row in select(f'SELECT {columns} FROM "{table}" WHERE {where}{tail}', params):  # noqa: S608 (the model's names; the caller's fixed SQL)
        values = list(row)
        for i, col, converters in converting:
            value = values[i]
            for convert in converters:
                value = convert(value, col, connection)
            values[i] = value
        found.append(model.from_db(connection.alias, names, values))
    return found
