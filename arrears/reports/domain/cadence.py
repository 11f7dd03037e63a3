"""When a scheduled report is sent: its cadence read in the organization's time zone. Pure: `now` is a
parameter, and every datetime in and out is aware.

A schedule fires on each day its cadence names (every day; one weekday; one day of the month, 1–28 so
that every month has it) at a local wall-clock time. A time that a DST change skips (02:30 on a spring-
forward night) fires at the same instant read with the offset before the change, i.e. an hour later on
the clock; a time that occurs twice fires at the first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAILY, WEEKLY, MONTHLY = "daily", "weekly", "monthly"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# A worker that was down catches up a send missed within this window (the scheduler's own look-back).
CATCH_UP = timedelta(hours=26)


def fires_on(day: date, *, frequency: str, weekday: int = 0, day_of_month: int = 1) -> bool:
    if frequency == WEEKLY:
        return day.weekday() == weekday
    if frequency == MONTHLY:
        return day.day == day_of_month
    return True


def send_moment(day: date, at: time, tz: str) -> datetime:
    """The instant (UTC) of local `at` on `day` in zone `tz`."""
    return datetime.combine(day, at.replace(tzinfo=None), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def next_send(
    *, frequency: str, at: time, tz: str, now: datetime, weekday: int = 0, day_of_month: int = 1
) -> datetime:
    """The first send strictly after `now`."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for offset in range(0, 32 * 2):
        day = today + timedelta(days=offset)
        if fires_on(day, frequency=frequency, weekday=weekday, day_of_month=day_of_month):
            moment = send_moment(day, at, tz)
            if moment > now:
                return moment
    raise ValueError(f"no send of {frequency} within two months")  # unreachable for a valid cadence


def latest_send(
    *, frequency: str, at: time, tz: str, now: datetime, weekday: int = 0, day_of_month: int = 1
) -> tuple[date, datetime] | None:
    """The latest send at or before `now` within the catch-up window: (its local day, its instant)."""
    today = now.astimezone(ZoneInfo(tz)).date()
    for offset in range(0, 3):
        day = today - timedelta(days=offset)
        if fires_on(day, frequency=frequency, weekday=weekday, day_of_month=day_of_month):
            moment = send_moment(day, at, tz)
            if moment <= now:
                return (day, moment) if now - moment <= CATCH_UP else None
    return None


def due(
    *,
    frequency: str,
    at: time,
    tz: str,
    now: datetime,
    last_sent_on: date | None,
    active_since: datetime | None,
    weekday: int = 0,
    day_of_month: int = 1,
) -> date | None:
    """The local day whose send is due now and not yet made, else None. A send before the schedule was
    (re)started is not caught up, and each day is sent at most once."""
    found = latest_send(
        frequency=frequency, at=at, tz=tz, now=now, weekday=weekday, day_of_month=day_of_month
    )
    if found is None:
        return None
    day, moment = found
    if active_since is not None and moment < active_since:
        return None
    if last_sent_on is not None and last_sent_on >= day:
        return None
    return day


def describe(*, frequency: str, at: time, weekday: int = 0, day_of_month: int = 1) -> str:
    """ "Weekly on Monday at 07:00" and the like."""
    when = f"at {at:%H:%M}"
    if frequency == WEEKLY:
        return f"Weekly on {WEEKDAYS[weekday]} {when}"
    if frequency == MONTHLY:
        return f"Monthly on day {day_of_month} {when}"
    return f"Daily {when}"
