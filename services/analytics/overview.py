"""The overview report: a range's figures, the previous range's, and each period's.

Read from the refresh's caches (services/analytics/rollups.py): purchases, revenue (net of
refunds, the brand's days), registrations and points from `analytics_day_totals`; active
customers from `analytics_active_days` (a buyer is counted on their first buying day in a
range or period: the day whose previous buying day lies before it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

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


class DayRow(NamedTuple):
    day: int
    purchases: int
    cents: int
    registered: int
    issued: int
    redeemed: int


async def _active_totals(brand_id: int, current: DateRange, previous: DateRange) -> list[int]:
    """Buyers in the current and in the previous range."""
    cur, prev = current.first_day, previous.first_day
    rows = await sql.fetch(
        "SELECT SUM(CASE WHEN day >= ? AND COALESCE(prev_day, -1) < ? THEN customers ELSE 0 END)"
        " AS cur, SUM(CASE WHEN day < ? AND COALESCE(prev_day, -1) < ? THEN customers ELSE 0 END)"
        " AS prev FROM analytics_active_days WHERE brand_id = ? AND day BETWEEN ? AND ?",
        [cur, cur, cur, prev, brand_id, prev, current.last_day],
    )
    row = rows[0] if rows else {}
    return [int(row.get("cur") or 0), int(row.get("prev") or 0)]


async def active_by_bucket(brand_id: int, found: DateRange, interval: Interval) -> dict[int, int]:
    """Buyers in each period of the range (a period clipped to the range counts from its start)."""
    postgres = sql.is_postgres()
    start = greatest_sql(start_sql("day", interval, postgres), str(found.first_day), postgres)
    rows = await sql.fetch(
        f"SELECT {key_sql('day', interval, postgres)} AS bucket,"
        f" SUM(CASE WHEN COALESCE(prev_day, -1) < {start} THEN customers ELSE 0 END) AS n"
        " FROM analytics_active_days WHERE brand_id = ? AND day BETWEEN ? AND ? GROUP BY 1",
        [brand_id, found.first_day, found.last_day],
    )
    return {int(r["bucket"]): int(r["n"] or 0) for r in rows}


async def day_totals(brand_id: int, first: int, last: int) -> tuple[int, list[DayRow]]:
    """Customers registered before `first`, then the cached totals of each day."""
    before = await sql.fetch(
        "SELECT SUM(new_customers) AS n FROM analytics_day_totals WHERE brand_id = ? AND day < ?",
        [brand_id, first],
    )
    rows = await sql.fetch(
        "SELECT day, purchases, cents, new_customers, points_issued, points_redeemed"
        " FROM analytics_day_totals WHERE brand_id = ? AND day BETWEEN ? AND ?",
        [brand_id, first, last],
    )
    days = [
        DayRow(
            int(r["day"]),
            int(r["purchases"]),
            int(r["cents"]),
            int(r["new_customers"]),
            int(r["points_issued"]),
            int(r["points_redeemed"]),
        )
        for r in rows
    ]
    return int(before[0]["n"] or 0), days


def _totals(days: list[DayRow], active: int, registered_before: int) -> Figures:
    registered = sum(d.registered for d in days)
    return Figures(
        customers=registered_before + registered,
        new_customers=registered,
        active_customers=active,
        purchases=sum(d.purchases for d in days),
        revenue_cents=sum(d.cents for d in days),
        points_issued=sum(d.issued for d in days),
        points_redeemed=sum(d.redeemed for d in days),
    )


async def overview(brand_id: int, current: DateRange, interval: Interval) -> Overview:
    previous = current.previous()
    active_now, active_before = await _active_totals(brand_id, current, previous)
    before, days = await day_totals(brand_id, previous.first_day, current.last_day)
    prev = _totals([d for d in days if d.day < current.first_day], active_before, before)
    cur = _totals([d for d in days if d.day >= current.first_day], active_now, prev.customers)
    active = await active_by_bucket(brand_id, current, interval)
    by_bucket: dict[int, list[DayRow]] = {}
    for d in days:
        if d.day >= current.first_day:
            by_bucket.setdefault(bucket_key(d.day, interval), []).append(d)
    periods: list[Period] = []
    registered = prev.customers
    for bucket in buckets(current, interval):
        figures = _totals(by_bucket.get(bucket.key, []), active.get(bucket.key, 0), registered)
        registered = figures.customers
        periods.append(Period(bucket.start, bucket.end, figures))
    return Overview(current, previous, cur, prev, periods)
