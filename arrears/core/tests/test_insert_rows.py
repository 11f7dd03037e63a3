"""`insert_rows`: what goes in by COPY (PostgreSQL) or the ORM (elsewhere) reads back the same."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.compliance.models import Hold
from arrears.core.bulk import COPY_MIN_ROWS, insert_rows


def _rows(org, account, instants):
    return [
        {
            "organization_id": org.pk,
            "created_at": instant,
            "updated_at": instant,
            "kind": "dispute",
            "account_id": account.pk,
            "debtor_id": None,
            "effective_on": date(2026, 3, 1),
            "placed_at": instant,
            "placed_by_id": None,
            "placed_by_label": "test",
            "reason": "tab\there, newline\nthere, back\\slash",
            "details": {"written": i % 2 == 0, "n": i, "note": "ü"},
            "lifted_at": None if i % 3 else instant + timedelta(days=1),
            "lifted_by_id": None,
            "lifted_by_label": "",
            "lift_reason": "",
        }
        for i, instant in enumerate(instants)
    ]


@pytest.mark.parametrize("count", [3, COPY_MIN_ROWS + 5])
def test_rows_read_back_as_written(org, make_account, count):
    account = make_account()
    base = datetime(2026, 3, 10, 14, 30, 0, 123456, tzinfo=UTC)
    # The same instant in other zones, and a generator of rows (with its count), as the gate streams them.
    zones = [UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]
    instants = [(base + timedelta(minutes=i // 2)).astimezone(zones[i % 3]) for i in range(count)]
    rows = _rows(org, account, instants)

    ids = insert_rows(Hold, iter(rows), count=count)

    assert len(ids) == count == len(set(ids))
    stored = Hold.objects.in_bulk(ids)
    for pk, row in zip(ids, rows, strict=True):
        hold = stored[pk]
        assert hold.placed_at == row["placed_at"]
        assert hold.lifted_at == row["lifted_at"]
        assert hold.details == row["details"]
        assert hold.reason == row["reason"]


def test_a_short_generator_is_refused(org, make_account):
    account = make_account()
    rows = _rows(org, account, [datetime(2026, 3, 10, tzinfo=UTC)] * COPY_MIN_ROWS)

    with pytest.raises(ValueError):
        insert_rows(Hold, iter(rows), count=COPY_MIN_ROWS + 1)


def test_a_few_rows_get_the_stamps_and_defaults_the_orm_gives(org, make_account):
    # given: a few rows naming every column (one INSERT … RETURNING), and a few leaving one out (the ORM)
    account = make_account()
    before = datetime.now(UTC)
    named = _rows(org, account, [datetime(2020, 1, 1, tzinfo=UTC)] * 2)
    partial = [{k: v for k, v in row.items() if k != "details"} for row in _rows(org, account, [before] * 2)]

    # when
    ids = insert_rows(Hold, named) + insert_rows(Hold, partial)

    # then: auto_now columns hold the time of the insert, as bulk_create sets them, and a column left out
    # its default
    stored = Hold.objects.in_bulk(ids)
    assert all(stored[pk].created_at >= before and stored[pk].updated_at >= before for pk in ids)
    assert [stored[pk].details for pk in ids] == [named[0]["details"], named[1]["details"], {}, {}]
    assert [stored[pk].placed_at for pk in ids[:2]] == [datetime(2020, 1, 1, tzinfo=UTC)] * 2
