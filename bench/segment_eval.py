"""Evaluate a nested segment rule over N members: `python -m bench.segment_eval`.

Seeds (set-based, a recursive CTE per table) a brand with N customers, 80% of them members,
~2.4 purchases each, RFM stats and tags, then times the rule's evaluation (size, every id, the
first page) against a baseline measured in the same run: a plain `SELECT COUNT(*)` over the same
customers-memberships-tiers join. Pass `--database-url postgres://...` for PostgreSQL; the
default is a SQLite file under var/.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tortoise import Tortoise

from models import Brand, Customer
from models.db import close_db, init_db, run_migrations
from services.brands import brands
from services.common import sql
from services.common.pagination import PageRequest
from services.loyalty import config as loyalty_config
from services.segments import segments

RULE: dict[str, Any] = {
    "and": [
        {"tier": {"atLeast": "Silver"}},
        {"or": [{"city": {"in": ["Shanghai", "Hangzhou"]}}, {"region": {"in": ["East"]}}]},
        {"not": {"daysSinceLastPurchase": {"max": 59}}},
        {"totalSpend": {"min": "200", "withinDays": 365}},
        {"consent": {"marketing": True}},
        {"not": {"tags": {"any": ["do-not-contact"]}}},
        {"ageBand": {"min": 25, "max": 45}},
    ]
}
CITIES = ("Shanghai", "Beijing", "Shenzhen", "Guangzhou", "Chengdu", "Hangzhou", "Wuhan")
REGIONS = ("East", "North", "South", "West")
TAGS = ("vip", "coffee", "tea", "do-not-contact")


def _case(expr: str, values: tuple[str, ...]) -> str:
    arms = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE {expr} % {len(values)} {arms} END"


def _days_before(postgres: bool, days: str) -> str:
    """A UTC timestamp `days` (an SQL integer expression) before the `?` parameter."""
    if postgres:
        return f"(CAST(? AS TIMESTAMPTZ) - ({days}) * INTERVAL '1 day')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', ?, '-' || ({days}) || ' days') || '+00:00')"


async def seed(brand: Brand, count: int, postgres: bool) -> None:
    now, b = datetime.now(UTC), brand.id
    # PostgreSQL cannot infer a parameter's type in a SELECT list; SQLite must not cast
    brand_p, time_p = ("CAST(? AS BIGINT)", "CAST(? AS TIMESTAMPTZ)") if postgres else ("?", "?")
    birthday = (
        "(DATE '1960-01-01' + (n * 7919) % 16000)"
        if postgres
        else "date('1960-01-01', '+' || ((n * 7919) % 16000) || ' days')"
    )
    series = "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)"
    await sql.execute(
        f"{series} INSERT INTO customers (brand_id, name, gender, birthday, city, region,"
        " marketing_consent, created_at, updated_at)"
        f" SELECT {brand_p}, 'Customer ' || CAST(n AS VARCHAR(12)),"
        f" {_case('n', ('FEMALE', 'MALE'))}, {birthday}, {_case('n', CITIES)},"
        f" {_case('(n / 7)', REGIONS)}, n % 5 < 3, {time_p}, {time_p}"
        " FROM seq",
        [count, b, now, now],
    )
    await loyalty_config.ladder(b)
    enrolled = _days_before(postgres, "c.id % 700")
    await sql.execute(
        "INSERT INTO memberships (brand_id, customer_id, member_number, tier_id, tier_since,"
        " status, available, pending, lifetime_earned, redeemed, expired, enrolled_at)"
        " SELECT c.brand_id, c.id, 'M' || CAST(c.id AS VARCHAR(20)),"
        ' (SELECT t.id FROM tiers t WHERE t.brand_id = c.brand_id AND t."rank" = c.id % 4),'
        f" {time_p}, 'ACTIVE', 0, 0, 0, 0, 0, {enrolled}"
        " FROM customers c WHERE c.brand_id = ? AND c.id % 10 < 8",
        [now, now, b],
    )
    occurred = _days_before(postgres, "(c.id * 13 + k.k * 101) % 400")
    await sql.execute(
        "INSERT INTO purchases (brand_id, customer_id, amount, refunded_amount, points_earned,"
        " points_reversed, points_unrecovered, occurred_at, created_at)"
        " SELECT c.brand_id, c.id, ((c.id * 31 + k.k * 17) % 300) + 0.5, 0, 0, 0, 0,"
        f" {occurred}, {time_p}"
        " FROM customers c JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) k"
        " ON c.id % 5 >= k.k - 1 WHERE c.brand_id = ?",
        [now, now, b],
    )
    stage = _case("c.id", ("NEW", "ACTIVE", "ACTIVE", "AT_RISK", "CHURNED"))
    value = _case("c.id", ("HIGH_VALUE", "POTENTIAL", "ORDINARY", "LOW_VALUE"))
    await sql.execute(
        "INSERT INTO customer_stats (brand_id, customer_id, frequency, monetary_cents,"
        f" lifecycle_stage, value_tier) SELECT c.brand_id, c.id, 0, 0, {stage}, {value}"
        " FROM customers c WHERE c.brand_id = ?",
        [b],
    )
    await sql.execute(
        "INSERT INTO customer_tags (brand_id, customer_id, tag)"
        f" SELECT c.brand_id, c.id, {_case('c.id', TAGS)} FROM customers c"
        " WHERE c.brand_id = ? AND c.id % 3 = 0",
        [b],
    )


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
        slug = f"segbench-{count}"
        brand = await Brand.get_or_none(slug=slug)
        if brand is None or await Customer.filter(brand_id=brand.id).count() != count:
            if brand is not None:
                await brand.delete()
            brand = await brands.create_brand(slug, f"Segment bench {count}")
            began = time.perf_counter()
            await seed(brand, count, postgres)
            print(f"seeded {count} customers in {time.perf_counter() - began:.1f} s")
        if postgres:
            await sql.execute("ANALYZE")
        rule, b = segments.parse_rule(RULE), brand.id
        baseline_sql = (
            "SELECT COUNT(*) AS n FROM customers c JOIN memberships m ON m.customer_id = c.id"
            " JOIN tiers t ON t.id = m.tier_id WHERE c.brand_id = ?"
        )
        base, rows = await timed(lambda: sql.fetch(baseline_sql, [b]), repeat)
        print(f"{'dialect':<28}{'postgres' if postgres else 'sqlite'}")
        print(f"{'members (baseline rows)':<28}{rows[0]['n']}")
        print(f"{'baseline COUNT(*) join':<28}{base * 1000:8.1f} ms   1.0x")
        cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("segment size", lambda: segments.size(b, rule)),
            ("segment every id", lambda: segments.customer_ids(b, rule)),
            ("segment first page of 50", lambda: segments.members(b, rule, PageRequest(50))),
        ]
        for label, fn in cases:
            took, result = await timed(fn, repeat)
            shown = result if isinstance(result, int) else ""
            print(f"{label:<28}{took * 1000:8.1f} ms {took / base:5.1f}x  {shown}")
    finally:
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default_db = Path(__file__).resolve().parent.parent / "var" / "segment-bench.sqlite3"
    parser.add_argument("--database-url", default=f"sqlite://{default_db}")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.database_url, args.customers, args.repeat))


if __name__ == "__main__":
    main()
