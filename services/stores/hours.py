"""Wall-clock hours: opening hours, working schedules and the days they make, in a time zone.

Weekly hours are stored as `{"1": [[540, 1080]], ...}`: ISO weekday (1 = Monday) to sorted,
disjoint [start, end) minutes after local midnight (end at most 24:00). A day's minutes turn
into instants in the zone's own way, so a day of a DST change is an hour shorter or longer.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.common.errors import ErrorCode, ErrorCollector

Minutes = list[tuple[int, int]]
Window = tuple[datetime, datetime]
WeeklyHours = dict[str, list[list[int]]]
DAY = 24 * 60
MAX_INTERVALS_PER_DAY = 8
MAX_EXCEPTIONS = 366


@dataclass(frozen=True)
class HoursEntry:
    weekday: int
    opens: str
    closes: str


@dataclass(frozen=True)
class ExceptionEntry:
    day: date
    hours: Sequence[tuple[str, str]]  # (opens, closes); none: closed all day


def parse_clock(text: str) -> int | None:
    """Minutes after midnight of "HH:MM" (00:00 to 24:00), None when malformed."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not (hours.isdigit() and minutes.isdigit()) or len(minutes) != 2:
        return None
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and 0 <= value <= DAY else None


def format_clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _interval(
    opens: str, closes: str, field: str, errors: ErrorCollector
) -> tuple[int, int] | None:
    start, end = parse_clock(opens), parse_clock(closes)
    if start is None or end is None:
        errors.add(field, ErrorCode.INVALID, "times are HH:MM, 00:00 to 24:00")
        return None
    if start >= end:
        errors.add(field, ErrorCode.INVALID, f"{opens} is not before {closes}")
        return None
    return start, end


def _disjoint(intervals: Minutes, field: str, errors: ErrorCollector) -> Minutes:
    intervals = sorted(intervals)
    if len(intervals) > MAX_INTERVALS_PER_DAY:
        errors.add(field, ErrorCode.INVALID, f"at most {MAX_INTERVALS_PER_DAY} intervals a day")
    for (_, end), (start, _) in itertools.pairwise(intervals):
        if start < end:
            errors.add(field, ErrorCode.INVALID, "intervals of one day overlap")
            break
    return intervals


def clean_weekly(entries: Iterable[HoursEntry], field: str, errors: ErrorCollector) -> WeeklyHours:
    days: dict[int, Minutes] = {}
    for entry in entries:
        if entry.weekday not in range(1, 8):
            errors.add(field, ErrorCode.INVALID, "weekdays are 1 (Monday) to 7 (Sunday)")
            continue
        found = _interval(entry.opens, entry.closes, field, errors)
        if found is not None:
            days.setdefault(entry.weekday, []).append(found)
    return {
        str(day): [list(i) for i in _disjoint(intervals, field, errors)]
        for day, intervals in sorted(days.items())
    }


def clean_exceptions(
    entries: Sequence[ExceptionEntry], field: str, errors: ErrorCollector
) -> list[dict[str, Any]]:
    if len(entries) > MAX_EXCEPTIONS:
        errors.add(field, ErrorCode.INVALID, f"at most {MAX_EXCEPTIONS} exceptions")
        return []
    seen: set[date] = set()
    cleaned: list[dict[str, Any]] = []
    for entry in sorted(entries, key=lambda e: e.day):
        if entry.day in seen:
            errors.add(field, ErrorCode.INVALID, f"{entry.day} is given twice")
            continue
        seen.add(entry.day)
        found = [_interval(o, c, field, errors) for o, c in entry.hours]
        intervals = _disjoint([i for i in found if i is not None], field, errors)
        cleaned.append({"date": entry.day.isoformat(), "hours": [list(i) for i in intervals]})
    return cleaned


def weekly_minutes(weekly: WeeklyHours, day: date) -> Minutes:
    return [(int(s), int(e)) for s, e in weekly.get(str(day.isoweekday()), [])]


def exceptions_by_day(exceptions: list[dict[str, Any]]) -> dict[date, Minutes]:
    return {
        date.fromisoformat(e["date"]): [(int(s), int(t)) for s, t in e["hours"]] for e in exceptions
    }


def store_minutes(weekly: WeeklyHours, exceptions: dict[date, Minutes], day: date) -> Minutes:
    """A store's open minutes on a local day: its exception for the day, or its weekly hours."""
    found = exceptions.get(day)
    return found if found is not None else weekly_minutes(weekly, day)


def intersect(a: Minutes, b: Minutes) -> Minutes:
    """Both sorted and disjoint; so is the result (one linear merge)."""
    out: Minutes = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def instant(day: date, minute: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock minute of a local day (a minute that a DST gap skips
    is read with the offset before the gap)."""
    wall = datetime.combine(day, time(), tz) + timedelta(minutes=minute)
    return wall.astimezone(UTC)


def windows(day: date, minutes: Minutes, tz: ZoneInfo) -> list[Window]:
    return [(instant(day, s, tz), instant(day, e, tz)) for s, e in minutes]


def local_days(frm: datetime, to: datetime, tz: ZoneInfo) -> list[date]:
    """The local days that [frm, to) touches, in order."""
    first, last = frm.astimezone(tz).date(), (to - timedelta(microseconds=1)).astimezone(tz).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def subtract(windows_: list[Window], busy: list[Window]) -> list[Window]:
    """`windows_` minus `busy`, both sorted by start (busy may overlap itself): one sweep."""
    out: list[Window] = []
    k = 0
    for window in windows_:
        free, k = subtract_from(window, busy, k)
        out += free
    return out


def subtract_from(window: Window, busy: list[Window], k: int) -> tuple[list[Window], int]:
    """One window minus `busy` (sorted by start), reading busy from index `k`; returns the
    index to start from for a later window, so windows taken in time order cost one sweep."""
    start, end = window
    while k < len(busy) and busy[k][1] <= start:
        k += 1
    out: list[Window] = []
    cursor, m = start, k
    while m < len(busy) and busy[m][0] < end:
        if busy[m][0] > cursor:
            out.append((cursor, busy[m][0]))
        cursor = max(cursor, busy[m][1])
        m += 1
    if cursor < end:
        out.append((cursor, end))
    return out, k
