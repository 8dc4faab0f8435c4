"""Injectable time: the registry and certificates never call ``datetime.now()`` themselves.

Why: validity periods, expiry lists and audit timestamps must be testable without waiting two
years, and a replayed test must give the same dates. Certificate dates are calendar dates in GBA
local time (UTC+8: Guangdong, Hong Kong and Macao share it, without daylight saving), so that a
certificate issued at 07:30 in Shenzhen is dated that day, not the day before in UTC.
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from typing import Protocol

GBA_TIME = timezone(timedelta(hours=8), "UTC+08:00")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that stands still until told to move (thread-safe)."""

    def __init__(self, start: datetime | date) -> None:
        if isinstance(start, date) and not isinstance(start, datetime):
            start = datetime(start.year, start.month, start.day, 12, 0, tzinfo=GBA_TIME)
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware datetime")
        self._now = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self._now += timedelta(**delta)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment


def today(clock: Clock) -> date:
    """The calendar date in GBA local time."""
    return clock.now().astimezone(GBA_TIME).date()


def add_years(start: date, years: int) -> date:
    """The same day ``years`` later (29 February becomes 28 February)."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def expiry_for(issue: date, validity_years: int) -> date:
    """Last day of validity: the day before the anniversary (issued 2025-03-01, 2 years →
    valid through 2027-02-28), so a certificate never covers more than its validity period."""
    return add_years(issue, validity_years) - timedelta(days=1)
