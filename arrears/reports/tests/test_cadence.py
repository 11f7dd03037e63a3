"""When a scheduled report is sent: its cadence at a local time, across DST, caught up once, not before
it was (re)started."""

from datetime import UTC, date, datetime, time

import pytest

from arrears.reports.domain import cadence

NY = "America/New_York"


@pytest.mark.parametrize(
    ("frequency", "now", "expected"),
    [
        # daily 07:00 New York: before 07:00 local today → today; after → tomorrow
        ("daily", datetime(2026, 12, 7, 11, 59, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC)),
        ("daily", datetime(2026, 12, 7, 12, 0, tzinfo=UTC), datetime(2026, 12, 8, 12, tzinfo=UTC)),
        # weekly on Wednesday (2): from Monday 7 December → Wednesday 9 December
        ("weekly", datetime(2026, 12, 7, 15, tzinfo=UTC), datetime(2026, 12, 9, 12, tzinfo=UTC)),
        # monthly on the 1st, from 7 December → 1 January
        ("monthly", datetime(2026, 12, 7, 15, tzinfo=UTC), datetime(2027, 1, 1, 12, tzinfo=UTC)),
    ],
    ids=["daily-today", "daily-tomorrow", "weekly-wednesday", "monthly-first"],
)
def test_next_send_is_the_local_time_on_the_next_day_of_the_cadence(frequency, now, expected):
    assert (
        cadence.next_send(frequency=frequency, at=time(7), tz=NY, now=now, weekday=2, day_of_month=1)
        == expected
    )


def test_the_local_time_holds_across_a_dst_change():
    # given: daily at 07:00 New York, the night of the spring-forward change (8 March 2026)
    before = datetime(2026, 3, 7, 13, tzinfo=UTC)  # 08:00 EST on the 7th

    # when
    first = cadence.next_send(frequency="daily", at=time(7), tz=NY, now=before)
    second = cadence.next_send(frequency="daily", at=time(7), tz=NY, now=first)

    # then: 07:00 EST is 12:00 UTC, 07:00 EDT is 11:00 UTC
    assert first == datetime(2026, 3, 8, 11, tzinfo=UTC)
    assert second == datetime(2026, 3, 9, 11, tzinfo=UTC)


def test_a_skipped_local_time_fires_an_hour_later_on_the_clock():
    # 02:30 does not exist in New York on 8 March 2026: it fires at 03:30 EDT (07:30 UTC)
    now = datetime(2026, 3, 8, 5, tzinfo=UTC)

    assert cadence.next_send(frequency="daily", at=time(2, 30), tz=NY, now=now) == datetime(
        2026, 3, 8, 7, 30, tzinfo=UTC
    )


def test_due_once_per_day_caught_up_within_a_day_and_not_before_it_started():
    spec = {"frequency": "weekly", "at": time(7), "tz": NY, "weekday": 0}
    monday_0800 = datetime(2026, 11, 30, 13, tzinfo=UTC)
    tuesday_0600 = datetime(2026, 12, 1, 11, tzinfo=UTC)  # 23 hours late: caught up
    wednesday_0900 = datetime(2026, 12, 2, 14, tzinfo=UTC)  # 50 hours late: missed

    assert cadence.due(**spec, now=monday_0800, last_sent_on=None, active_since=None) == date(2026, 11, 30)
    assert cadence.due(**spec, now=tuesday_0600, last_sent_on=None, active_since=None) == date(2026, 11, 30)
    assert cadence.due(**spec, now=wednesday_0900, last_sent_on=None, active_since=None) is None
    # sent already
    assert cadence.due(**spec, now=monday_0800, last_sent_on=date(2026, 11, 30), active_since=None) is None
    # created (or resumed) at 07:30, after that Monday's send time: not caught up
    started = datetime(2026, 11, 30, 12, 30, tzinfo=UTC)
    assert cadence.due(**spec, now=monday_0800, last_sent_on=None, active_since=started) is None


def test_describe():
    assert cadence.describe(frequency="weekly", at=time(7, 5), weekday=4) == "Weekly on Friday at 07:05"
    assert cadence.describe(frequency="monthly", at=time(18), day_of_month=28) == "Monthly on day 28 at 18:00"
    assert cadence.describe(frequency="daily", at=time(6)) == "Daily at 06:00"
