"""The report caches the refresh rebuilds (set-based), which the date-ranged reports read:

- from `daily_spend`'s days with a purchase, each with the customer's first, previous and
  next buying days (window functions, into a temporary table): `analytics_active_days`,
  grouped by (day, previous day), which is all counting a range's buyers needs;
  `analytics_cohort_days`, grouped by (first day, day) with the customers buying for the first
  time in that day's month and week, which is all a cohort matrix needs; and
  `analytics_repeat_corners`, what the repeat purchase rate sums (`_repeat_corners`);
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
DAYS = "analytics_buying_day_scratch"  # a customer's buying day, with the days around it
BUYING_DAY_CACHES = (
    "analytics_active_days",
    "analytics_cohort_days",
    "analytics_repeat_corners",
)


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


async def buying_days(brand_id: int) -> None:
    """The buying-day caches, from one pass of window functions over `daily_spend` into a
    scratch table (a temporary table: no write-ahead log, no index, dropped at the end)."""
    async with in_transaction():  # the scratch table goes with a rollback too
        await roomy()
        await sql.execute(
            f"CREATE TEMPORARY TABLE {DAYS} AS SELECT day,"
            " MIN(day) OVER (PARTITION BY customer_id) AS first_day,"
            " LAG(day) OVER w AS prev_day, LEAD(day) OVER w AS next_day, purchases"
            " FROM daily_spend WHERE brand_id = ? AND purchases > 0"
            " WINDOW w AS (PARTITION BY customer_id ORDER BY day)",
            [brand_id],
        )
        if sql.is_postgres():
            await sql.execute(f"ANALYZE {DAYS}")  # autovacuum never analyses temporary tables
        await sql.execute("DELETE FROM analytics_active_days WHERE brand_id = ?", [brand_id])
        await sql.execute(
            "INSERT INTO analytics_active_days (brand_id, day, prev_day, customers)"
            f" SELECT ?, day, prev_day, COUNT(*) FROM {DAYS} GROUP BY day, prev_day",
            [brand_id],
        )
        await _cohort_days(brand_id)
        await _repeat_corners(brand_id)
        await sql.execute(f"DROP TABLE {DAYS}")
    if sql.is_postgres():  # the deleted rows' space reused next time; fresh statistics
        for table in BUYING_DAY_CACHES:
            await sql.execute(f"VACUUM (ANALYZE) {table}")  # outside the transaction


ONE_PURCHASE = "SUM(CASE WHEN purchases = 1 THEN 1 ELSE 0 END)"


async def _repeat_corners(brand_id: int) -> None:
    """A buying day (previous buying day p, or -1; day d; next buying day n, or none) is its
    customer's first in [a, b] when p < a <= d <= b, and the only purchase in it when also
    purchases = 1 and n > b. As sums over points (x, y) with x < a and y <= b (a <= b):
    [p < a <= d <= b] = [p < a, d <= b] - [d < a, d <= b], and the customer came back by b
    when [p < a <= d, n <= b] = [p < a, n <= b] - [d < a, n <= b]. So each day puts +1 at
    (p, d) and -1 at (d, d) on buyers, the same on singles when it had one purchase, and
    then also -1 at (p, n) and +1 at (d, n) on singles when it has a next day."""
    comes_back = "WHERE purchases = 1 AND next_day IS NOT NULL"
    await sql.execute("DELETE FROM analytics_repeat_corners WHERE brand_id = ?", [brand_id])
    await sql.execute(
        "INSERT INTO analytics_repeat_corners (brand_id, before_day, through_day, buyers, singles)"
        " SELECT ?, x, y, SUM(buyers), SUM(singles) FROM ("
        f"SELECT COALESCE(prev_day, -1) AS x, day AS y, COUNT(*) AS buyers, {ONE_PURCHASE}"
        f" AS singles FROM {DAYS} GROUP BY prev_day, day"
        f" UNION ALL SELECT day, day, -COUNT(*), -{ONE_PURCHASE} FROM {DAYS} GROUP BY day"
        f" UNION ALL SELECT COALESCE(prev_day, -1), next_day, 0, -COUNT(*) FROM {DAYS} {comes_back}"
        " GROUP BY prev_day, next_day"
        f" UNION ALL SELECT day, next_day, 0, COUNT(*) FROM {DAYS} {comes_back}"
        " GROUP BY day, next_day"
        ") corners GROUP BY x, y HAVING SUM(buyers) <> 0 OR SUM(singles) <> 0",
        [brand_id],
    )


async def _cohort_days(brand_id: int) -> None:
    postgres = sql.is_postgres()
    month = start_sql("day", Interval.MONTH, postgres)
    week = start_sql("day", Interval.WEEK, postgres)
    await sql.execute("DELETE FROM analytics_cohort_days WHERE brand_id = ?", [brand_id])
    await sql.execute(
        "INSERT INTO analytics_cohort_days (brand_id, first_day, day, month_starts, week_starts)"
        " SELECT ?, first_day, day,"
        f" SUM(CASE WHEN COALESCE(prev_day, -1) < {month} THEN 1 ELSE 0 END),"
        f" SUM(CASE WHEN COALESCE(prev_day, -1) < {week} THEN 1 ELSE 0 END)"
        f" FROM {DAYS} GROUP BY first_day, day",
        [brand_id],
    )


async def sales_days(brand_id: int, zone: ZoneInfo) -> None:
    """STORE, CHANNEL and TIER rows from purchases (CATEGORY comes from baskets.rebuild)."""
    day = local_day("p.occurred_at", zone, await span("purchases", "occurred_at", brand_id))
    source = (
        f"SELECT {day} AS day, CAST(p.store_id AS VARCHAR(200)) AS store_id, p.channel,"
        f" t.name AS tier, {NET} AS net"
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
