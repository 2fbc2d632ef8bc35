"""The consumption time series: purchases and revenue per period, optionally per group,
from the refresh's caches (services/analytics/rollups.py).

Ungrouped: `analytics_day_totals` (net of refunds, fully refunded purchases not counted), with
the customers who bought in each period (`analytics_active_days`). STORE, CHANNEL: as recorded
on the purchase (STORE by the store's number, shown as its global id). TIER: the buyer's tier
at the refresh (tier history per purchase is not kept). CATEGORY: from purchase items, revenue
being quantity x unit price (items are not refunded one by one), purchases those holding the
category. Grouped series carry no customer counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from services.analytics.overview import active_by_bucket, day_totals
from services.analytics.periods import (
    MAX_DAY_BUCKETS,
    DateRange,
    Interval,
    ReportInputError,
    bucket_key,
    buckets,
    key_sql,
)
from services.common import sql

MAX_GROUPS = 50  # the groups with the most revenue; the rest are counted in `groups_left_out`


class SalesGroup(StrEnum):
    STORE = "STORE"
    CHANNEL = "CHANNEL"
    TIER = "TIER"
    CATEGORY = "CATEGORY"


@dataclass(frozen=True)
class SalesPoint:
    start: date
    end: date
    purchases: int
    revenue: Decimal
    customers: int | None


@dataclass
class SalesGroupSeries:
    key: str | None  # None: not recorded (or the whole, ungrouped)
    purchases: int = 0
    revenue: Decimal = Decimal(0)
    points: list[SalesPoint] = field(default_factory=list)


@dataclass
class SalesSeries:
    interval: Interval
    group_by: SalesGroup | None
    series: list[SalesGroupSeries]
    groups_left_out: int = 0


def check_series(found: DateRange, interval: Interval) -> None:
    if interval is Interval.DAY and found.days > MAX_DAY_BUCKETS:
        raise ReportInputError(
            "range", "RANGE_TOO_LONG", f"a DAY series covers at most {MAX_DAY_BUCKETS} days"
        )


Cell = tuple[int, Decimal, int | None]


async def _cells(
    brand_id: int, found: DateRange, interval: Interval, group: SalesGroup | None
) -> dict[tuple[str | None, int], Cell]:
    """(group, bucket key) -> (purchases, revenue, customers or None)."""
    key = key_sql("day", interval, sql.is_postgres())
    span = [brand_id, found.first_day, found.last_day]
    if group is None:
        _, days = await day_totals(brand_id, found.first_day, found.last_day)
        active = await active_by_bucket(brand_id, found, interval)
        cells: dict[tuple[str | None, int], Cell] = {}
        for d in days:
            key_of = bucket_key(d.day, interval)
            n, money, _ = cells.get((None, key_of), (0, Decimal(0), 0))
            cells[(None, key_of)] = (n + d.purchases, money + Decimal(d.cents) / 100, 0)
        return {k: (n, money, active.get(k[1], 0)) for k, (n, money, _) in cells.items()}
    rows = await sql.fetch(
        f"SELECT {key} AS bucket, key AS grp, SUM(purchases) AS purchases,"
        " SUM(revenue_cents) AS cents, NULL AS customers FROM analytics_sales_days"
        " WHERE brand_id = ? AND day BETWEEN ? AND ? AND dimension = ? GROUP BY 1, 2",
        [*span, group.value],
    )
    return {
        (None if r["grp"] is None else str(r["grp"]), int(r["bucket"])): (
            int(r["purchases"] or 0),
            Decimal(int(r["cents"] or 0)) / 100,
            None if r["customers"] is None else int(r["customers"]),
        )
        for r in rows
    }


async def sales_series(
    brand_id: int, found: DateRange, interval: Interval, group: SalesGroup | None
) -> SalesSeries:
    check_series(found, interval)
    cells = await _cells(brand_id, found, interval, group)
    groups: dict[str | None, SalesGroupSeries] = {}
    for (name, _), (purchases, revenue, _) in cells.items():
        series = groups.setdefault(name, SalesGroupSeries(name))
        series.purchases += purchases
        series.revenue += revenue
    ranked = sorted(groups.values(), key=lambda s: (-s.revenue, s.key is None, s.key or ""))
    if group is None and not ranked:
        ranked = [SalesGroupSeries(None)]
    kept = ranked[:MAX_GROUPS]
    empty: Cell = (0, Decimal(0), 0 if group is None else None)
    for series in kept:
        series.revenue = series.revenue.quantize(Decimal("0.01"))
        for b in buckets(found, interval):
            n, money, people = cells.get((series.key, b.key), empty)
            series.points.append(
                SalesPoint(b.start, b.end, n, money.quantize(Decimal("0.01")), people)
            )
    return SalesSeries(interval, group, kept, max(0, len(ranked) - MAX_GROUPS))
