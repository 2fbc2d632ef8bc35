"""Time `crm tiers review` over N members: `python -m bench.tier_review`.

Seeds (set-based: a recursive CTE for customers, INSERT ... SELECT for memberships and 14 months
of daily spend) a brand with N members spread over the default ladder, all due for review, then
times the set-based review (qualification for every tier, manual floors, downgrades with their
history rows and outbox events, next review dates: one transaction) against a baseline measured
in the same run: one aggregate scan (SUM per member) over the same daily-spend table. Before
each timed review the members are put back on their starting tiers (not timed). Pass
`--database-url postgres://...` for PostgreSQL; the default is a SQLite file under var/.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from models import Brand, Membership
from models.db import close_db, init_db, run_migrations
from services.brands import brands
from services.common import sql
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from services.loyalty import tier_review
from services.loyalty.config import EPOCH

MONTHS = 14


def _months(brand: Brand, now: datetime) -> list[tuple[int, int]]:
    """(month index, first day of that month) for the last MONTHS months, brand time zone."""
    local = now.astimezone(loyalty_config.calendar(brand).tz)
    year, month, found = local.year, local.month, []
    for _ in range(MONTHS):
        found.append((year * 12 + month - 1, (date(year, month, 1) - EPOCH).days))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return found


async def seed(brand: Brand, count: int, postgres: bool) -> None:
    now, b = datetime.now(UTC), brand.id
    # PostgreSQL cannot infer a parameter's type in a SELECT list; SQLite must not cast
    brand_p, time_p = ("CAST(? AS BIGINT)", "CAST(? AS TIMESTAMPTZ)") if postgres else ("?", "?")
    await sql.execute(
        "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)"
        " INSERT INTO customers (brand_id, name, gender, marketing_consent, created_at,"
        f" updated_at) SELECT {brand_p}, 'Member ' || CAST(n AS VARCHAR(12)), 'UNKNOWN',"
        f" n % 2 = 0, {time_p}, {time_p} FROM seq",
        [count, b, now, now],
    )
    await loyalty_config.ladder(b)
    await sql.execute(
        "INSERT INTO memberships (brand_id, customer_id, member_number, tier_id, tier_since,"
        " status, available, pending, lifetime_earned, redeemed, expired, enrolled_at)"
        " SELECT c.brand_id, c.id, 'M' || CAST(c.id AS VARCHAR(20)), NULL,"
        f" {time_p}, 'ACTIVE', 0, 0, 0, 0, 0, {time_p} FROM customers c WHERE c.brand_id = ?",
        [now, now, b],
    )
    cast = "CAST(? AS INTEGER)" if postgres else "?"
    months = _months(brand, now)
    values = ", ".join(f"({cast}, {cast})" for _ in months)
    # a member's level (id % 5) sets their usual monthly spend; every 7th month they skip,
    # (every 11th never does), so streaks of every length occur
    await sql.execute(
        f"WITH months(month, first_day) AS (VALUES {values})"
        " INSERT INTO daily_spend (brand_id, customer_id, day, month, cents, purchases)"
        " SELECT c.brand_id, c.id, m.first_day + c.id % 28, m.month,"
        " ((c.id % 5) * 10000 + (c.id * 7919 + (m.month % 97) * 1049) % 20000), 1"
        " FROM customers c CROSS JOIN months m"
        " WHERE c.brand_id = ? AND ((c.id + m.month) % 7 <> 0 OR c.id % 11 = 0)",
        [v for pair in months for v in pair] + [b],
    )


async def reset(brand: Brand, now: datetime) -> None:
    """Everyone back on a starting tier (rank id % 4), due for review; drop earlier results."""
    await sql.execute(
        "UPDATE memberships SET tier_id = (SELECT t.id FROM tiers t WHERE t.brand_id ="
        ' memberships.brand_id AND t."rank" = memberships.customer_id % 4),'
        " next_review_at = ?, status = 'ACTIVE' WHERE brand_id = ?",
        [now - timedelta(days=1), brand.id],
    )
    await sql.execute("DELETE FROM tier_changes WHERE brand_id = ?", [brand.id])
    await sql.execute("DELETE FROM outbox_events WHERE brand_id = ?", [brand.id])


async def timed(fn: Callable[[], Awaitable[Any]], repeat: int) -> tuple[float, Any]:
    samples, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = await fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples), result


async def run(database_url: str, count: int, repeat: int) -> None:
    await run_migrations(database_url)
    await init_db(database_url)
    postgres = Tortoise.get_connection("default").capabilities.dialect == "postgres"
    try:
        slug = f"tierbench-{count}"
        brand = await Brand.get_or_none(slug=slug)
        if brand is None or await Membership.filter(brand_id=brand.id).count() != count:
            if brand is not None:
                await brand.delete()
            brand = await brands.create_brand(slug, f"Tier review bench {count}")
            began = time.perf_counter()
            await seed(brand, count, postgres)
            print(f"seeded {count} members in {time.perf_counter() - began:.1f} s")
        await loyalty_config.set_settings(Actor.system(brand.id), {"grace_days": 0})
        if postgres:
            await sql.execute("ANALYZE")
        b, now = brand.id, datetime.now(UTC)
        baseline_sql = (
            "SELECT COUNT(*) AS n, SUM(s) AS total FROM (SELECT customer_id, SUM(cents) AS s"
            " FROM daily_spend WHERE brand_id = ? GROUP BY customer_id) x"
        )
        base, rows = await timed(lambda: sql.fetch(baseline_sql, [b]), repeat)
        spend_rows = await sql.fetch(
            "SELECT COUNT(*) AS n FROM daily_spend WHERE brand_id = ?", [b]
        )
        samples, result = [], None
        for _ in range(repeat):
            await reset(brand, now)
            began = time.perf_counter()
            result = await tier_review.review_brand(brand, now)
            samples.append(time.perf_counter() - began)
        took = statistics.median(samples)
        steady, again = await timed(lambda: tier_review.review_brand(brand, now), 1)
        ranks = await sql.fetch(
            'SELECT t."rank" AS r, COUNT(*) AS n FROM memberships m JOIN tiers t'
            ' ON t.id = m.tier_id WHERE m.brand_id = ? GROUP BY t."rank" ORDER BY t."rank"',
            [b],
        )
        assert result is not None
        print(f"{'dialect':<34}{'postgres' if postgres else 'sqlite'}")
        print(f"{'members / daily_spend rows':<34}{rows[0]['n']} / {spend_rows[0]['n']}")
        print(f"{'baseline: SUM per member scan':<34}{base * 1000:9.1f} ms    1.0x")
        print(
            f"{'tier review, all due':<34}{took * 1000:9.1f} ms {took / base:6.1f}x"
            f"  ({result.changed} tier changes with history and events)"
        )
        print(
            f"{'tier review, nothing to change':<34}{steady * 1000:9.1f} ms {steady / base:6.1f}x"
            f"  ({again.changed} changes)"
        )
        print(f"{'members per rank after review':<34}{[(r['r'], r['n']) for r in ranks]}")
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default_db = Path(__file__).resolve().parent.parent / "var" / "tier-bench.sqlite3"
    parser.add_argument("--database-url", default=f"sqlite://{default_db}")
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.database_url, args.members, args.repeat))


if __name__ == "__main__":
    main()
