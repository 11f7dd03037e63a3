"""Writing behind the application's back, as an attacker with database access would."""

from collections.abc import Sequence
from typing import Any

from django.db import connection


def raw_write(sql: str, params: Sequence[Any] = ()) -> None:
    """Run ``sql`` past the ORM's append-only guard and, on PostgreSQL, past the triggers that refuse
    UPDATE and DELETE on append-only tables (a superuser can switch them off for the session)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(sql, params)
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = origin")
