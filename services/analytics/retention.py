"""Repeat purchase rate and first-purchase cohorts, from the refresh's caches
(services/analytics/rollups.py), counting rows rather than grouping by customer.

A purchase counts unless fully refunded. A customer's cohort is the period of their first
purchase ever; a cohort member is active in a period when they bought in it. Cohorts are those
whose first purchase falls in the range, and their activity is followed to the range's end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.analytics.periods import (
    MAX_RANGE_DAYS,
    DateRange,
    Interval,
    ReportInputError,
    buckets,
    key_sql,
)
from services.common import sql

# The longest range a cohort matrix covers: 24 months, or 53 weeks.
MAX_COHORT_DAYS = {Interval.MONTH: MAX_RANGE_DAYS, Interval.WEEK: 371}


@dataclass(frozen=True)
class RepeatRate:
    buyers: int
    repeat_buyers: int

    @property
    def rate(self) -> float | None:
        return self.repeat_buyers / self.buyers if self.buyers else None


async def repeat_purchase_rate(brand_id: int, found: DateRange) -> RepeatRate:
    """Buyers in the range (counted on their first day in it), and those of them with two
    purchases or more in it: all but those whose first day in it holds one purchase and who
    did not come back before the range's end. Both are sums of `analytics_repeat_corners`
    (rollups._repeat_corners says why)."""
    rows = await sql.fetch(
        "SELECT SUM(buyers) AS buyers, SUM(singles) AS singles FROM analytics_repeat_corners"
        " WHERE brand_id = ? AND before_day < ? AND through_day <= ?",
        [brand_id, found.first_day, found.last_day],
    )
    row = rows[0] if rows else {}
    buyers = int(row.get("buyers") or 0)
    return RepeatRate(buyers, buyers - int(row.get("singles") or 0))


@dataclass(frozen=True)
class Cohort:
    start: date
    size: int
    active: list[int]  # active[k]: members who bought in the k-th period from their first

    @property
    def rates(self) -> list[float]:
        return [n / self.size for n in self.active] if self.size else []


def check_cohort_range(found: DateRange, period: Interval) -> None:
    if period is Interval.DAY:
        raise ReportInputError("period", "UNSUPPORTED_PERIOD", "cohorts are by MONTH or WEEK")
    if found.days > MAX_COHORT_DAYS[period]:
        raise ReportInputError(
            "range",
            "RANGE_TOO_LONG",
            f"a {period.value.lower()} cohort matrix covers at most {MAX_COHORT_DAYS[period]} days",
        )


async def retention_cohorts(brand_id: int, found: DateRange, period: Interval) -> list[Cohort]:
    """From `analytics_cohort_days`. Exact for any range: members first bought on or after
    its start, so none was active earlier in its first period; a member's first buying day
    in a period is its earliest, so `day <= to` is what clips the last period."""
    check_cohort_range(found, period)
    postgres = sql.is_postgres()
    cohort_key = key_sql("first_day", period, postgres)
    starts = "month_starts" if period is Interval.MONTH else "week_starts"
    span = [brand_id, found.first_day, found.last_day, found.first_day, found.last_day]
    sizes = await sql.fetch(
        f"SELECT {cohort_key} AS cohort, SUM({starts}) AS n FROM analytics_cohort_days"
        " WHERE brand_id = ? AND first_day BETWEEN ? AND ? AND day BETWEEN ? AND ?"
        " AND day = first_day GROUP BY 1",
        span,
    )
    active = await sql.fetch(
        f"SELECT {cohort_key} AS cohort, {key_sql('day', period, postgres)} AS period,"
        f" SUM({starts}) AS n FROM analytics_cohort_days"
        " WHERE brand_id = ? AND first_day BETWEEN ? AND ? AND day BETWEEN ? AND ? GROUP BY 1, 2",
        span,
    )
    periods = buckets(found, period)
    position = {b.key: i for i, b in enumerate(periods)}
    size_of = {int(r["cohort"]): int(r["n"]) for r in sizes}
    counts = {(int(r["cohort"]), int(r["period"])): int(r["n"]) for r in active}
    cohorts = []
    for bucket in periods:
        if bucket.key not in size_of:
            continue
        following = periods[position[bucket.key] :]
        cohorts.append(
            Cohort(
                start=bucket.start,
                size=size_of[bucket.key],
                active=[counts.get((bucket.key, later.key), 0) for later in following],
            )
        )
    return cohorts
