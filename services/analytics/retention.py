"""Repeat purchase rate and first-purchase cohorts, from `daily_spend` and `customer_stats`.

A purchase counts unless fully refunded (daily_spend's counter). A customer's cohort is the
period of their first purchase ever (`customer_stats.first_day`); a cohort member is active in
a period when they bought in it. Cohorts are those whose first purchase falls in the range,
and their activity is followed to the range's end.
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
    """Buyers in the range, and those of them with two purchases or more in it."""
    rows = await sql.fetch(
        "SELECT COUNT(*) AS buyers, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS repeaters"
        " FROM (SELECT customer_id, SUM(purchases) AS n FROM daily_spend"
        " WHERE brand_id = ? AND day BETWEEN ? AND ? GROUP BY customer_id"
        " HAVING SUM(purchases) > 0) buyers",
        [brand_id, found.first_day, found.last_day],
    )
    row = rows[0] if rows else {}
    return RepeatRate(int(row.get("buyers") or 0), int(row.get("repeaters") or 0))


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
    check_cohort_range(found, period)
    postgres = sql.is_postgres()
    cohort_key = key_sql("s.first_day", period, postgres)
    sizes = await sql.fetch(
        f"SELECT {cohort_key} AS cohort, COUNT(*) AS n FROM customer_stats s"
        " WHERE s.brand_id = ? AND s.first_day BETWEEN ? AND ? GROUP BY 1",
        [brand_id, found.first_day, found.last_day],
    )
    active = await sql.fetch(
        f"SELECT {cohort_key} AS cohort, {key_sql('d.day', period, postgres)} AS period,"
        " COUNT(DISTINCT d.customer_id) AS n FROM customer_stats s"
        " JOIN daily_spend d ON d.customer_id = s.customer_id AND d.brand_id = s.brand_id"
        " WHERE s.brand_id = ? AND s.first_day BETWEEN ? AND ?"
        " AND d.brand_id = ? AND d.day BETWEEN ? AND ? AND d.purchases > 0 GROUP BY 1, 2",
        [brand_id, found.first_day, found.last_day, brand_id, found.first_day, found.last_day],
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
