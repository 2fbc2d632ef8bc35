"""The consumption time series: purchases and revenue per period, optionally per group.

STORE, CHANNEL: as recorded on the purchase (free text today). TIER: the buyer's tier now (tier
history at the time of purchase is not kept per purchase). Revenue is net of refunds and a
fully refunded purchase is not counted. CATEGORY: from purchase items, revenue being
quantity x unit price (items are not refunded one by one), purchases those holding the category.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from services.analytics.periods import (
    MAX_DAY_BUCKETS,
    DateRange,
    Interval,
    ReportInputError,
    buckets,
    key_sql,
    local_day_sql,
)
from services.common import sql

MAX_GROUPS = 50  # the groups with the most revenue; the rest are counted in `groups_left_out`
NET = "(p.amount - p.refunded_amount)"


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
    customers: int


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


def _source(group: SalesGroup | None) -> tuple[str, str, str, str]:
    """(FROM clause, group expression, revenue, purchases) for the grouping."""
    if group is SalesGroup.CATEGORY:
        return (
            "purchase_items i JOIN purchases p ON p.id = i.purchase_id",
            "i.category",
            "SUM(i.quantity * i.unit_price)",
            "COUNT(DISTINCT p.id)",
        )
    counted = f"SUM(CASE WHEN {NET} > 0 THEN 1 ELSE 0 END)"
    if group is SalesGroup.TIER:
        source = (
            "purchases p LEFT JOIN memberships m ON m.customer_id = p.customer_id"
            " LEFT JOIN tiers t ON t.id = m.tier_id"
        )
        return source, "t.name", f"SUM({NET})", counted
    column = {SalesGroup.STORE: "p.store_id", SalesGroup.CHANNEL: "p.channel"}
    return "purchases p", column[group] if group else "NULL", f"SUM({NET})", counted


def check_series(found: DateRange, interval: Interval) -> None:
    if interval is Interval.DAY and found.days > MAX_DAY_BUCKETS:
        raise ReportInputError(
            "range", "RANGE_TOO_LONG", f"a DAY series covers at most {MAX_DAY_BUCKETS} days"
        )


async def sales_series(
    brand_id: int,
    zone: ZoneInfo,
    found: DateRange,
    interval: Interval,
    group: SalesGroup | None,
) -> SalesSeries:
    check_series(found, interval)
    postgres = sql.is_postgres()
    lo, hi = found.bounds(zone)
    day = local_day_sql("p.occurred_at", zone, lo, hi, postgres)
    source, key, revenue, purchases = _source(group)
    rows = await sql.fetch(
        f"SELECT {key_sql(day, interval, postgres)} AS bucket, {key} AS grp,"
        f" {purchases} AS purchases, {revenue} AS revenue,"
        " COUNT(DISTINCT p.customer_id) AS customers"
        f" FROM {source} WHERE p.brand_id = ? AND p.occurred_at >= ? AND p.occurred_at < ?"
        " GROUP BY 1, 2",
        [brand_id, lo, hi],
    )
    groups: dict[str | None, SalesGroupSeries] = {}
    cells: dict[tuple[str | None, int], tuple[int, Decimal, int]] = {}
    for row in rows:
        name = None if row["grp"] is None else str(row["grp"])
        money = Decimal(str(row["revenue"] or 0)).quantize(Decimal("0.01"))
        series = groups.setdefault(name, SalesGroupSeries(name))
        series.purchases += int(row["purchases"] or 0)
        series.revenue += money
        cells[(name, int(row["bucket"]))] = (
            int(row["purchases"] or 0),
            money,
            int(row["customers"]),
        )
    ranked = sorted(groups.values(), key=lambda s: (-s.revenue, s.key is None, s.key or ""))
    if group is None and not ranked:
        ranked = [SalesGroupSeries(None)]
    kept = ranked[:MAX_GROUPS]
    periods = buckets(found, interval)
    for series in kept:
        for b in periods:
            n, money, people = cells.get((series.key, b.key), (0, Decimal("0.00"), 0))
            series.points.append(SalesPoint(b.start, b.end, n, money, people))
    return SalesSeries(interval, group, kept, max(0, len(ranked) - MAX_GROUPS))
