"""The overview report: a range's figures, the previous range's, and each period's.

Read from the refresh's caches (services/analytics/rollups.py): purchases, revenue and active
customers from `analytics_customer_days` (net of refunds, the brand's days; a buyer is counted
on their first day in a range, the row whose previous buying day lies before it), registrations
and points from `analytics_day_totals`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from services.analytics.periods import (
    DateRange,
    Interval,
    bucket_key,
    buckets,
    greatest_sql,
    key_sql,
    start_sql,
)
from services.common import sql


@dataclass
class Figures:
    customers: int = 0  # registered by the end of the period
    new_customers: int = 0
    active_customers: int = 0  # bought in the period
    purchases: int = 0
    revenue_cents: int = 0
    points_issued: int = 0
    points_redeemed: int = 0

    @property
    def revenue(self) -> Decimal:
        return Decimal(self.revenue_cents) / 100

    @property
    def average_order_value(self) -> Decimal | None:
        if not self.purchases:
            return None
        return (self.revenue / self.purchases).quantize(Decimal("0.01"))

    @property
    def purchase_frequency(self) -> float | None:
        """Purchases per active customer."""
        return self.purchases / self.active_customers if self.active_customers else None


@dataclass
class Period:
    start: date
    end: date
    figures: Figures


@dataclass
class Overview:
    range: DateRange
    previous_range: DateRange
    current: Figures
    previous: Figures
    periods: list[Period] = field(default_factory=list)


DayRow = tuple[int, int, int, int]  # day, registered, points issued, points redeemed


async def _activity_totals(brand_id: int, current: DateRange, previous: DateRange) -> list[Figures]:
    cur, prev = current.first_day, previous.first_day
    rows = await sql.fetch(
        "SELECT SUM(CASE WHEN day >= ? THEN purchases ELSE 0 END) AS cur_n,"
        " SUM(CASE WHEN day >= ? THEN cents ELSE 0 END) AS cur_cents,"
        " SUM(CASE WHEN day >= ? AND COALESCE(prev_day, -1) < ? THEN 1 ELSE 0 END) AS cur_active,"
        " SUM(CASE WHEN day < ? THEN purchases ELSE 0 END) AS prev_n,"
        " SUM(CASE WHEN day < ? THEN cents ELSE 0 END) AS prev_cents,"
        " SUM(CASE WHEN day < ? AND COALESCE(prev_day, -1) < ? THEN 1 ELSE 0 END) AS prev_active"
        " FROM analytics_customer_days WHERE brand_id = ? AND day BETWEEN ? AND ?",
        [cur, cur, cur, cur, cur, cur, cur, prev, brand_id, prev, current.last_day],
    )
    row = rows[0] if rows else {}
    return [
        Figures(
            purchases=int(row.get(f"{p}_n") or 0),
            revenue_cents=int(row.get(f"{p}_cents") or 0),
            active_customers=int(row.get(f"{p}_active") or 0),
        )
        for p in ("cur", "prev")
    ]


async def _activity_by_bucket(
    brand_id: int, found: DateRange, interval: Interval
) -> dict[int, Figures]:
    postgres = sql.is_postgres()
    start = greatest_sql(start_sql("day", interval, postgres), str(found.first_day), postgres)
    rows = await sql.fetch(
        f"SELECT {key_sql('day', interval, postgres)} AS bucket, SUM(purchases) AS purchases,"
        f" SUM(cents) AS cents, SUM(CASE WHEN COALESCE(prev_day, -1) < {start} THEN 1 ELSE 0 END)"
        " AS active FROM analytics_customer_days WHERE brand_id = ? AND day BETWEEN ? AND ?"
        " GROUP BY 1",
        [brand_id, found.first_day, found.last_day],
    )
    return {
        int(r["bucket"]): Figures(
            purchases=int(r["purchases"] or 0),
            revenue_cents=int(r["cents"] or 0),
            active_customers=int(r["active"] or 0),
        )
        for r in rows
    }


async def _day_totals(brand_id: int, first: int, last: int) -> tuple[int, list[DayRow]]:
    """Customers registered before `first`, then (day, registered, issued, redeemed) rows."""
    before = await sql.fetch(
        "SELECT SUM(new_customers) AS n FROM analytics_day_totals WHERE brand_id = ? AND day < ?",
        [brand_id, first],
    )
    rows = await sql.fetch(
        "SELECT day, new_customers, points_issued, points_redeemed FROM analytics_day_totals"
        " WHERE brand_id = ? AND day BETWEEN ? AND ?",
        [brand_id, first, last],
    )
    days = [
        (int(r["day"]), int(r["new_customers"]), int(r["points_issued"]), int(r["points_redeemed"]))
        for r in rows
    ]
    return int(before[0]["n"] or 0), days


def _add_day_totals(figures: Figures, rows: list[DayRow], registered_before: int) -> None:
    figures.new_customers = sum(r[1] for r in rows)
    figures.points_issued = sum(r[2] for r in rows)
    figures.points_redeemed = sum(r[3] for r in rows)
    figures.customers = registered_before + figures.new_customers


async def overview(brand_id: int, current: DateRange, interval: Interval) -> Overview:
    previous = current.previous()
    cur, prev = await _activity_totals(brand_id, current, previous)
    before, days = await _day_totals(brand_id, previous.first_day, current.last_day)
    in_previous = [d for d in days if d[0] < current.first_day]
    in_current = [d for d in days if d[0] >= current.first_day]
    _add_day_totals(prev, in_previous, before)
    _add_day_totals(cur, in_current, prev.customers)
    spend = await _activity_by_bucket(brand_id, current, interval)
    periods: list[Period] = []
    registered = prev.customers
    for bucket in buckets(current, interval):
        figures = replace(spend.get(bucket.key, Figures()))
        _add_day_totals(
            figures, [d for d in in_current if bucket_key(d[0], interval) == bucket.key], registered
        )
        registered = figures.customers
        periods.append(Period(bucket.start, bucket.end, figures))
    return Overview(current, previous, cur, prev, periods)
