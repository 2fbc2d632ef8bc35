"""Report ranges and buckets in the brand's time zone, and the SQL that puts rows in them.

A range is a pair of calendar dates in the brand's zone, both included. Days are counted as
integers since 1970-01-01 (as `daily_spend.day` is); a stored time becomes its local day in SQL:
PostgreSQL converts with `AT TIME ZONE`; SQLite, which knows no zones, adds the zone's UTC
offset, written as a CASE over the offset changes (DST) inside the range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

EPOCH = date(1970, 1, 1)
MAX_RANGE_DAYS = 731  # two years (and a leap day)
MAX_DAY_BUCKETS = 366  # a DAY series covers at most a year
DEFAULT_RANGE_DAYS = 30


class Interval(StrEnum):
    DAY = "DAY"
    WEEK = "WEEK"  # Monday to Sunday
    MONTH = "MONTH"


class ReportInputError(ValueError):
    """A report's arguments are wrong; `field` names the argument, `reason` says how."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(message)
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def first_day(self) -> int:
        return day_number(self.start)

    @property
    def last_day(self) -> int:
        return day_number(self.end)

    def previous(self) -> DateRange:
        """The range of the same length just before this one."""
        return DateRange(self.start - timedelta(days=self.days), self.start - timedelta(days=1))


def day_number(day: date) -> int:
    return (day - EPOCH).days


def day_date(number: int) -> date:
    return EPOCH + timedelta(days=number)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def today_in(zone: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(zone).date()


def checked_range(
    start: date | None,
    end: date | None,
    zone: ZoneInfo,
    max_days: int = MAX_RANGE_DAYS,
    field: str = "range",
) -> DateRange:
    """The range asked for (the last 30 days up to today when not given), or ReportInputError."""
    if start is None and end is None:
        today = today_in(zone)
        return DateRange(today - timedelta(days=DEFAULT_RANGE_DAYS - 1), today)
    if start is None or end is None:
        raise ReportInputError(field, "INCOMPLETE_RANGE", "give both `from` and `to`")
    if end < start:
        raise ReportInputError(field, "INVERTED_RANGE", "`from` must not be after `to`")
    found = DateRange(start, end)
    if found.days > max_days:
        raise ReportInputError(
            field, "RANGE_TOO_LONG", f"a range covers at most {max_days} days here"
        )
    return found


def bucket_key(day: int, interval: Interval) -> int:
    """The integer key of the bucket holding a day: the day, its Monday's week, its month."""
    if interval is Interval.DAY:
        return day
    if interval is Interval.WEEK:
        return (day + 3) // 7  # 1970-01-01 was a Thursday: days 4..10 are the first full week
    local = day_date(day)
    return local.year * 12 + local.month - 1


@dataclass(frozen=True)
class Bucket:
    key: int
    start: date  # clipped to the range
    end: date


def buckets(found: DateRange, interval: Interval) -> list[Bucket]:
    """The range's buckets in order, each clipped to the range."""
    out: list[Bucket] = []
    for number in range(found.first_day, found.last_day + 1):
        key = bucket_key(number, interval)
        if out and out[-1].key == key:
            out[-1] = Bucket(key, out[-1].start, day_date(number))
        else:
            out.append(Bucket(key, day_date(number), day_date(number)))
    return out


def start_sql(day_expr: str, interval: Interval, postgres: bool) -> str:
    """SQL for the first day (a day number) of the bucket holding an integer day."""
    if interval is Interval.DAY:
        return day_expr
    if interval is Interval.WEEK:
        return f"(((({day_expr}) + 3) / 7) * 7 - 3)"
    if postgres:
        month = f"date_trunc('month', DATE '1970-01-01' + ({day_expr}))"
        return f"(CAST({month} AS DATE) - DATE '1970-01-01')"
    month = f"date(({day_expr}) * 86400, 'unixepoch', 'start of month')"
    return f"CAST(julianday({month}) - 2440587.5 AS INTEGER)"


def greatest_sql(first: str, second: str, postgres: bool) -> str:
    return f"GREATEST({first}, {second})" if postgres else f"MAX({first}, {second})"


def key_sql(day_expr: str, interval: Interval, postgres: bool) -> str:
    """SQL for `bucket_key` of an integer day expression."""
    if interval is Interval.DAY:
        return day_expr
    if interval is Interval.WEEK:
        return f"(({day_expr}) + 3) / 7"
    if postgres:
        local = f"(DATE '1970-01-01' + ({day_expr}))"
        return (
            f"(CAST(EXTRACT(YEAR FROM {local}) AS INTEGER) * 12"
            f" + CAST(EXTRACT(MONTH FROM {local}) AS INTEGER) - 1)"
        )
    local = f"({day_expr}) * 86400, 'unixepoch'"
    return (
        f"(CAST(strftime('%Y', {local}) AS INTEGER) * 12"
        f" + CAST(strftime('%m', {local}) AS INTEGER) - 1)"
    )


def _offset(zone: ZoneInfo, at: datetime) -> int:
    offset = at.astimezone(zone).utcoffset()
    return int(offset.total_seconds()) if offset else 0


def offset_changes(zone: ZoneInfo, lo: datetime, hi: datetime) -> list[tuple[datetime, int]]:
    """(from this UTC time, the zone's offset in seconds) for [lo, hi), first entry at lo."""
    changes = [(lo, _offset(zone, lo))]
    step = timedelta(hours=1)
    at = lo
    while at < hi:
        following = min(at + step, hi)
        if _offset(zone, following) != changes[-1][1]:
            low, high = at, following  # find the minute it changed
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == changes[-1][1]:
                    low = middle
                else:
                    high = middle
            changes.append((high, _offset(zone, high)))
        at = following
    return changes


ZONE_NAME = re.compile(r"^[A-Za-z0-9_+\-/]{1,64}$")


def _timestamp_literal(moment: datetime) -> str:
    """A UTC time as SQLite stores times (text compares in time order)."""
    return "'" + moment.astimezone(UTC).isoformat(sep=" ") + "'"


def local_day_sql(column: str, zone: ZoneInfo, lo: datetime, hi: datetime, postgres: bool) -> str:
    """SQL for the local day number of a stored time in [lo, hi).

    Literals only (a zone name checked against ZONE_NAME, times this code formats), so the
    expression can appear several times in a statement without its parameters repeating."""
    if postgres:
        if not ZONE_NAME.match(zone.key):
            raise ValueError(f"unexpected time zone name {zone.key!r}")
        return f"(CAST(({column} AT TIME ZONE '{zone.key}') AS DATE) - DATE '1970-01-01')"
    changes = offset_changes(zone, lo, hi)
    if len(changes) == 1:
        offset = str(changes[0][1])
    else:
        cases = [
            f"WHEN {column} >= {_timestamp_literal(since)} THEN {shift}"
            for since, shift in reversed(changes[1:])
        ]
        offset = f"CASE {' '.join(cases)} ELSE {changes[0][1]} END"
    epoch = f"CAST(strftime('%s', {column}) AS INTEGER)"
    return f"(({epoch} + {offset}) / 86400)"
