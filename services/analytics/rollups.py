"""The report caches the refresh rebuilds (set-based), which the date-ranged reports read:

- `analytics_customer_days`: `daily_spend` days with a purchase, each with the customer's
  first, previous and next buying days (window functions); `analytics_active_days`, the same
  grouped by (day, previous day), which is all counting a range's buyers needs; and
  `analytics_cohort_days`, grouped by (first day, day) with the customers buying for the first
  time in that day's month and week, which is all a cohort matrix needs;
- `analytics_sales_days`: per day of the brand's zone, purchases and net revenue per store,
  channel and tier (the buyer's tier at the refresh), and per category from purchase items;
- `analytics_day_totals`: per day, purchases and net revenue, customers registered, points
  issued and redeemed.

Each is replaced for the brand in its own transaction, so readers see the previous refresh's
rows or this one's. Days are the brand's (services/analytics/periods.local_day_sql).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from services.analytics.periods import Interval, local_day_sql, start_sql
from services.common import sql

NET = "(p.amount - p.refunded_amount)"
ISSUED = "(kind IN ('EARN', 'RELEASE') OR (kind = 'ADJUST' AND amount > 0))"  # as the dashboard
CENTS = "CAST(ROUND(SUM({}) * 100) AS BIGINT)"


WORK_MEM = "256MB"


async def roomy() -> None:
    """Inside a transaction on PostgreSQL: sort and hash a brand's rows in memory (the default
    4 MB spills a million rows to disk); the setting ends with the transaction."""
    if sql.is_postgres():
        await sql.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")


async def span(table: str, column: str, brand_id: int) -> tuple[datetime, datetime] | None:
    """The earliest and latest time in a column of the brand's rows (SQLite needs bounds to
    turn times into local days)."""
    rows = await sql.fetch(
        f"SELECT MIN({column}) AS lo, MAX({column}) AS hi FROM {table} WHERE brand_id = ?",
        [brand_id],
    )
    lo, hi = rows[0]["lo"], rows[0]["hi"]
    if lo is None:
        return None
    if isinstance(lo, str):  # SQLite gives the stored text
        lo, hi = datetime.fromisoformat(lo), datetime.fromisoformat(str(hi))
    return lo, hi + timedelta(seconds=1)


def local_day(column: str, zone: ZoneInfo, bounds: tuple[datetime, datetime] | None) -> str:
    if bounds is None:
        return "0"
    return local_day_sql(column, zone, bounds[0], bounds[1], sql.is_postgres())


async def customer_days(brand_id: int) -> int:
    async with in_transaction():
        await roomy()
        await sql.execute("DELETE FROM analytics_customer_days WHERE brand_id = ?", [brand_id])
        count = await sql.execute(
            "INSERT INTO analytics_customer_days"
            " (brand_id, customer_id, day, first_day, prev_day, next_day, purchases, cents)"
            " SELECT brand_id, customer_id, day, MIN(day) OVER (PARTITION BY customer_id),"
            " LAG(day) OVER w, LEAD(day) OVER w, purchases, cents FROM daily_spend"
            " WHERE brand_id = ? AND purchases > 0"
            " WINDOW w AS (PARTITION BY customer_id ORDER BY day)",
            [brand_id],
        )
        await sql.execute("DELETE FROM analytics_active_days WHERE brand_id = ?", [brand_id])
        await sql.execute(
            "INSERT INTO analytics_active_days (brand_id, day, prev_day, customers)"
            " SELECT brand_id, day, prev_day, COUNT(*) FROM analytics_customer_days"
            " WHERE brand_id = ? GROUP BY brand_id, day, prev_day",
            [brand_id],
        )
        await _cohort_days(brand_id)
    if sql.is_postgres():  # the deleted rows' space reused next time; fresh statistics
        for table in ("analytics_customer_days", "analytics_active_days", "analytics_cohort_days"):
            await sql.execute(f"VACUUM (ANALYZE) {table}")  # outside the transaction
    return count


async def _cohort_days(brand_id: int) -> None:
    postgres = sql.is_postgres()
    month = start_sql("day", Interval.MONTH, postgres)
    week = start_sql("day", Interval.WEEK, postgres)
    await sql.execute("DELETE FROM analytics_cohort_days WHERE brand_id = ?", [brand_id])
    await sql.execute(
        "INSERT INTO analytics_cohort_days (brand_id, first_day, day, month_starts, week_starts)"
        " SELECT brand_id, first_day, day,"
        f" SUM(CASE WHEN COALESCE(prev_day, -1) < {month} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN COALESCE(prev_day, -1) < {week} THEN 1 ELSE 0 END)"
        " FROM analytics_customer_days WHERE brand_id = ? GROUP BY brand_id, first_day, day",
        [brand_id],
    )


async def sales_days(brand_id: int, zone: ZoneInfo) -> None:
    """STORE, CHANNEL and TIER rows from purchases (CATEGORY comes from baskets.rebuild)."""
    day = local_day("p.occurred_at", zone, await span("purchases", "occurred_at", brand_id))
    source = (
        f"SELECT {day} AS day, p.store_id, p.channel, t.name AS tier, {NET} AS net"
        " FROM purchases p LEFT JOIN memberships m ON m.customer_id = p.customer_id"
        " LEFT JOIN tiers t ON t.id = m.tier_id WHERE p.brand_id = ?"
    )
    measures = f"SUM(CASE WHEN net > 0 THEN 1 ELSE 0 END), {CENTS.format('net')}"
    insert = (
        "INSERT INTO analytics_sales_days (brand_id, dimension, key, day, purchases, revenue_cents)"
    )
    async with in_transaction():
        await roomy()
        await sql.execute(
            "DELETE FROM analytics_sales_days WHERE brand_id = ? AND dimension <> 'CATEGORY'",
            [brand_id],
        )
        if sql.is_postgres():  # one pass over the purchases for the three dimensions
            await sql.execute(
                f"{insert} SELECT ?, CASE WHEN GROUPING(store_id) = 0 THEN 'STORE'"
                " WHEN GROUPING(channel) = 0 THEN 'CHANNEL' ELSE 'TIER' END,"
                " CASE WHEN GROUPING(store_id) = 0 THEN store_id"
                " WHEN GROUPING(channel) = 0 THEN channel ELSE tier END,"
                f" day, {measures} FROM ({source}) s"
                " GROUP BY GROUPING SETS ((day, store_id), (day, channel), (day, tier))",
                [brand_id, brand_id],
            )
            return
        for dimension, column in (("STORE", "store_id"), ("CHANNEL", "channel"), ("TIER", "tier")):
            await sql.execute(
                f"{insert} SELECT ?, '{dimension}', {column}, day, {measures}"
                f" FROM ({source}) s GROUP BY day, {column}",
                [brand_id, brand_id],
            )


async def day_totals(brand_id: int, zone: ZoneInfo) -> None:
    joined = local_day("created_at", zone, await span("customers", "created_at", brand_id))
    booked = local_day(
        "created_at", zone, await span("points_transactions", "created_at", brand_id)
    )
    async with in_transaction():
        await roomy()
        await sql.execute("DELETE FROM analytics_day_totals WHERE brand_id = ?", [brand_id])
        await sql.execute(
            "INSERT INTO analytics_day_totals (brand_id, day, purchases, cents, new_customers,"
            " points_issued, points_redeemed)"
            " SELECT ?, day, SUM(n), SUM(cents), SUM(joined), SUM(issued), SUM(redeemed) FROM ("
            "SELECT day, purchases AS n, cents, 0 AS joined, 0 AS issued, 0 AS redeemed"
            " FROM daily_spend WHERE brand_id = ? AND purchases > 0"
            f" UNION ALL SELECT {joined}, 0, 0, 1, 0, 0 FROM customers WHERE brand_id = ?"
            f" UNION ALL SELECT {booked}, 0, 0, 0,"
            f" CASE WHEN {ISSUED} THEN amount ELSE 0 END,"
            " CASE WHEN kind = 'REDEEM' THEN -amount ELSE 0 END"
            " FROM points_transactions WHERE brand_id = ?) totals GROUP BY day",
            [brand_id, brand_id, brand_id, brand_id],
        )
