"""The SLA clock: due times in wall-clock or business time, pauses and resumes.

Business hours are given in the brand's time zone: a daily window [start, end) in minutes
after midnight, on some ISO weekdays (1 = Monday). Without business hours, time is wall time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # a clock never looks further than ten years ahead


@dataclass(frozen=True)
class BusinessHours:
    start_minute: int
    end_minute: int
    weekdays: frozenset[int]
    tz: ZoneInfo

    @classmethod
    def from_json(cls, data: dict[str, Any] | None, tz: ZoneInfo) -> BusinessHours | None:
        if not data:
            return None
        return cls(
            int(data["start_minute"]),
            int(data["end_minute"]),
            frozenset(int(d) for d in data["weekdays"]),
            tz,
        )

    def windows_from(self, moment: datetime) -> list[tuple[datetime, datetime]]:
        """The working windows (UTC) of the local day containing `moment`, clipped to it."""
        local = moment.astimezone(self.tz)
        if local.isoweekday() not in self.weekdays:
            return []
        day = local.date()
        start = datetime.combine(day, time(), self.tz) + timedelta(minutes=self.start_minute)
        end = datetime.combine(day, time(), self.tz) + timedelta(minutes=self.end_minute)
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        if end <= moment:
            return []
        return [(max(start, moment), end)]


def validate_hours(start_minute: int, end_minute: int, weekdays: list[int]) -> str | None:
    if not 0 <= start_minute < end_minute <= 24 * 60:
        return "business hours need 0 <= start < end <= 24:00"
    if not weekdays or any(d not in range(1, 8) for d in weekdays):
        return "weekdays are 1 (Monday) to 7 (Sunday), at least one"
    return None


def _next_day(moment: datetime, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(), tz)
    return midnight.astimezone(UTC)


def add_working_time(start: datetime, seconds: int, hours: BusinessHours | None) -> datetime:
    """The moment when `seconds` of working time have passed after `start`."""
    if hours is None:
        return start + timedelta(seconds=seconds)
    remaining = timedelta(seconds=max(seconds, 0))
    moment = start
    for _ in range(MAX_DAYS):
        for window_start, window_end in hours.windows_from(moment):
            available = window_end - window_start
            if remaining <= available:
                return window_start + remaining
            remaining -= available
        moment = _next_day(moment, hours.tz)
    return moment + remaining


def working_seconds(start: datetime, end: datetime, hours: BusinessHours | None) -> int:
    """Working time between two moments; negative when `end` is before `start`."""
    if end < start:
        return -working_seconds(end, start, hours)
    if hours is None:
        return int((end - start).total_seconds())
    total = timedelta()
    moment = start
    for _ in range(MAX_DAYS):
        if moment >= end:
            break
        for window_start, window_end in hours.windows_from(moment):
            if window_start < end:
                total += min(window_end, end) - window_start
        moment = _next_day(moment, hours.tz)
    return int(total.total_seconds())


@dataclass
class Clock:
    """The resolution clock of one ticket, as stored on it."""

    due: datetime | None
    remaining_seconds: int | None  # set while the clock is stopped
    breached: bool

    def stop(self, now: datetime, hours: BusinessHours | None) -> None:
        """Pending on the customer or resolved: keep what is left of the target."""
        if self.due is None or self.remaining_seconds is not None:
            return
        if now > self.due:
            self.breached = True
        self.remaining_seconds = max(working_seconds(now, self.due, hours), 0)

    def resume(self, now: datetime, hours: BusinessHours | None) -> None:
        """Back to work (reply from the customer, reopening): the rest of the target runs."""
        if self.remaining_seconds is None:
            return
        self.due = add_working_time(now, self.remaining_seconds, hours)
        self.remaining_seconds = None

    def is_breached(self, now: datetime) -> bool:
        running = self.remaining_seconds is None and self.due is not None
        return self.breached or (running and self.due is not None and now > self.due)
