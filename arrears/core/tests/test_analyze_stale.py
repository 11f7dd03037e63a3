"""`analyze_stale` analyzes the tables autovacuum would analyze now: after a bulk write, the planner must
not go on with the statistics of a table a tenth its size (autovacuum may be off, or behind)."""

from __future__ import annotations

import time

import pytest
from django.db import connection

from arrears.core.bulk import analyze_stale

pytestmark = pytest.mark.django_db(transaction=True)


def _stats(table: str) -> tuple[int, object]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n_mod_since_analyze, last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table]
        )
        return cursor.fetchone()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="statistics are PostgreSQL's")
def test_a_table_grown_past_the_threshold_is_analyzed(make_account):
    for _ in range(25):  # three contact points each: 75 rows, past autovacuum's 50 + 10%
        make_account()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    deadline = time.monotonic() + 10
    while _stats("debtors_contactpoint")[0] < 75 and time.monotonic() < deadline:
        time.sleep(0.1)  # this backend's counts reach the shared statistics when it goes idle

    analyzed = analyze_stale()

    assert "debtors_contactpoint" in analyzed
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
    assert _stats("debtors_contactpoint")[1] is not None


def test_elsewhere_it_does_nothing():
    if connection.vendor == "postgresql":
        pytest.skip("SQLite's case")
    assert analyze_stale() == []
