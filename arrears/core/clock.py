"""Time helpers. Domain code never reads the clock; services pass `now` in from here."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import holidays


def utcnow() -> datetime:
    return datetime.now(tz=UTC)


def ensure_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: a time zone is required")
    return value.astimezone(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 instant that carries an offset ('Z' accepted)."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return ensure_aware(value)


@cache
def _holiday_calendar(country: str, subdiv: str | None, year: int) -> holidays.HolidayBase:
    # Imported when first needed: loading every country's calendar costs about a second at the start
    # of each `arrears` command, most of which never asks for a business day.
    import holidays

    return holidays.country_holidays(country, subdiv=subdiv, years=year)


def is_business_day(day: date, *, country: str = "US", subdiv: str | None = None) -> bool:
    """Monday to Friday and not a public holiday of the jurisdiction (observed dates included)."""
    return day.weekday() < 5 and day not in _holiday_calendar(country, subdiv, day.year)


def is_public_holiday(day: date, *, country: str = "US", subdiv: str | None = None) -> bool:
    """A public holiday of the jurisdiction on that date (observed dates included), any day of the week."""
    return day in _holiday_calendar(country, subdiv, day.year)


def add_business_days(day: date, count: int, *, country: str = "US", subdiv: str | None = None) -> date:
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_business_day(current, country=country, subdiv=subdiv):
            remaining -= 1
    return current
