"""The overview report: a range's figures, the previous range's, and each period's.

Purchases, revenue and active customers come from `daily_spend` (net of refunds, already in the
brand's days); customers from `customers.created_at`; points from the ledger, issued and
redeemed as the dashboard counts them (services/analytics/dashboard.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.analytics.periods import (
    DateRange,
    Interval,
    buckets,
    key_sql,
    local_day_sql,
)
from services.common import sql

ISSUED = "(kind IN ('EARN', 'RELEASE') OR (kind = 'ADJUST' AND amount > 0))"


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


async def _spend_totals(brand_id: int, current: DateRange, previous: DateRange) -> list[Figures]:
    rows = await sql.fetch(
        "SELECT CASE WHEN day >= ? THEN 0 ELSE 1 END AS period, SUM(purchases) AS purchases,"
        " SUM(cents) AS cents,"
        " COUNT(DISTINCT CASE WHEN purchases > 0 THEN customer_id END) AS active"
        " FROM daily_spend WHERE brand_id = ? AND day BETWEEN ? AND ?"
        " GROUP BY 1",
        [current.first_day, brand_id, previous.first_day, current.last_day],
    )
    out = [Figures(), Figures()]
    for row in rows:
        target = out[int(row["period"])]
        target.purchases = int(row["purchases"] or 0)
        target.revenue_cents = int(row["cents"] or 0)
        target.active_customers = int(row["active"] or 0)
    return out


async def _spend_by_bucket(
    brand_id: int, found: DateRange, interval: Interval
) -> dict[int, Figures]:
    key = key_sql("day", interval, sql.is_postgres())
    rows = await sql.fetch(
        f"SELECT {key} AS bucket, SUM(purchases) AS purchases, SUM(cents) AS cents,"
        " COUNT(DISTINCT CASE WHEN purchases > 0 THEN customer_id END) AS active"
        " FROM daily_spend WHERE brand_id = ? AND day BETWEEN ? AND ? GROUP BY 1",
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


async def _customer_counts(
    brand_id: int, zone: ZoneInfo, current: DateRange, previous: DateRange
) -> tuple[int, int, int, int]:
    """(registered by the end of the previous range, new in it, then the same for current)."""
    prev_lo, prev_hi = previous.bounds(zone)
    cur_lo, cur_hi = current.bounds(zone)
    rows = await sql.fetch(
        "SELECT SUM(CASE WHEN created_at < ? THEN 1 ELSE 0 END) AS before_previous,"
        " SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS in_previous,"
        " SUM(CASE WHEN created_at >= ? AND created_at < ? THEN 1 ELSE 0 END) AS in_current"
        " FROM customers WHERE brand_id = ? AND created_at < ?",
        [prev_lo, prev_lo, prev_hi, cur_lo, cur_hi, brand_id, cur_hi],
    )
    row = rows[0] if rows else {}
    before, in_previous, in_current = (
        int(row.get(k) or 0) for k in ("before_previous", "in_previous", "in_current")
    )
    return before + in_previous, in_previous, before + in_previous + in_current, in_current


async def _points(brand_id: int, zone: ZoneInfo, ranges: list[DateRange]) -> list[tuple[int, int]]:
    """(issued, redeemed) in each of the ranges, in one statement."""
    parts, params = [], []
    for i, found in enumerate(ranges):
        lo, hi = found.bounds(zone)
        parts.append(
            f"SUM(CASE WHEN created_at >= ? AND created_at < ? AND {ISSUED} THEN amount"
            f" ELSE 0 END) AS issued{i},"
            " SUM(CASE WHEN created_at >= ? AND created_at < ? AND kind = 'REDEEM' THEN -amount"
            f" ELSE 0 END) AS redeemed{i}"
        )
        params += [lo, hi, lo, hi]
    lo = min(r.bounds(zone)[0] for r in ranges)
    hi = max(r.bounds(zone)[1] for r in ranges)
    rows = await sql.fetch(
        f"SELECT {', '.join(parts)} FROM points_transactions"
        " WHERE brand_id = ? AND created_at >= ? AND created_at < ?",
        [*params, brand_id, lo, hi],
    )
    row = rows[0] if rows else {}
    return [
        (int(row.get(f"issued{i}") or 0), int(row.get(f"redeemed{i}") or 0))
        for i in range(len(ranges))
    ]


async def _new_by_bucket(
    brand_id: int, zone: ZoneInfo, found: DateRange, interval: Interval, table: str
) -> dict[int, tuple[int, int, int]]:
    """Per bucket: new customers (table customers) or points issued and redeemed."""
    lo, hi = found.bounds(zone)
    postgres = sql.is_postgres()
    day = local_day_sql("created_at", zone, lo, hi, postgres)
    key = key_sql(day, interval, postgres)
    if table == "customers":
        measures = "COUNT(*) AS a, 0 AS b"
    else:
        measures = (
            f"SUM(CASE WHEN {ISSUED} THEN amount ELSE 0 END) AS a,"
            " SUM(CASE WHEN kind = 'REDEEM' THEN -amount ELSE 0 END) AS b"
        )
    rows = await sql.fetch(
        f"SELECT {key} AS bucket, {measures} FROM {table}"
        " WHERE brand_id = ? AND created_at >= ? AND created_at < ? GROUP BY 1",
        [brand_id, lo, hi],
    )
    return {int(r["bucket"]): (int(r["a"] or 0), int(r["b"] or 0), 0) for r in rows}


async def overview(
    brand_id: int, zone: ZoneInfo, current: DateRange, interval: Interval
) -> Overview:
    previous = current.previous()
    cur, prev = await _spend_totals(brand_id, current, previous)
    prev.customers, prev.new_customers, cur.customers, cur.new_customers = await _customer_counts(
        brand_id, zone, current, previous
    )
    (
        (prev.points_issued, prev.points_redeemed),
        (cur.points_issued, cur.points_redeemed),
    ) = await _points(brand_id, zone, [previous, current])
    return Overview(
        current, previous, cur, prev, await _periods(brand_id, zone, current, interval, cur)
    )


async def _periods(
    brand_id: int, zone: ZoneInfo, current: DateRange, interval: Interval, total: Figures
) -> list[Period]:
    spend = await _spend_by_bucket(brand_id, current, interval)
    joined = await _new_by_bucket(brand_id, zone, current, interval, "customers")
    points = await _new_by_bucket(brand_id, zone, current, interval, "points_transactions")
    registered = total.customers - total.new_customers  # before the range
    periods: list[Period] = []
    for bucket in buckets(current, interval):
        figures = replace(spend.get(bucket.key, Figures()))
        figures.new_customers = joined.get(bucket.key, (0, 0, 0))[0]
        registered += figures.new_customers
        figures.customers = registered
        figures.points_issued, figures.points_redeemed, _ = points.get(bucket.key, (0, 0, 0))
        periods.append(Period(bucket.start, bucket.end, figures))
    return periods
