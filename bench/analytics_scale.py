"""Analytics at scale: seed 100,000 customers, about 1,000,000 purchases and 5,000,000 tracked
events, then time `crm analytics refresh` (its peak memory too) and every report.

    createdb -h 127.0.0.1 -U postgres h20_bench
    CRM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/h20_bench \\
        .venv/bin/python -m bench.analytics_scale --customers 100000 --events 5000000

Customers, purchases (with items), points, daily spend and the rest come from bench/seed.py;
events are bulk loaded here with COPY (indexes dropped and rebuilt around it, as a bulk load
does, the unique one kept). The refresh runs as the real command in a subprocess; reports
are GraphQL queries through the app in-process, each run 5 times after a warm-up (median and
worst in ms).
Targets (issue 20): refresh under 60 s, every report under 500 ms, memory under 2 GiB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import orjson

from auth.tokens import issue_token
from bench.seed import seed
from config import Settings
from models import Brand, Customer
from models.analytics_cache import Product
from models.db import close_db, init_db
from resolvers.ids import to_global_id
from server import create_app
from services.brands import brands

SLUG = "analytics-bench"
CHUNK = 250_000
NAMES = (
    ["page_view"] * 40
    + ["product_view"] * 25
    + ["add_to_cart"] * 10
    + ["remove_from_cart"] * 3
    + ["checkout_started"] * 4
    + ["search"] * 8
    + ["offer_viewed"] * 6
    + ["coupon_clicked"] * 4
)
SKUS = ["LATTE", "AMERICANO", "FLATWHITE", "MATCHA", "OOLONG", "CROISSANT", "SANDWICH"]
COLUMNS = [
    "brand_id",
    "event_id",
    "name",
    "occurred_at",
    "received_at",
    "customer_id",
    "anonymous_id",
    "session_id",
    "store_id",
    "properties",
]
RUNS = 5


async def load_events(url: str, brand_id: int, count: int, seed_value: int = 5) -> float:
    """COPY `count` events of the last 180 days (70 % by customers); seconds taken."""
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    began = time.perf_counter()
    try:
        await conn.execute("SET synchronous_commit = off")
        ids = await conn.fetch("SELECT id FROM customers WHERE brand_id = $1", brand_id)
        customers = [int(r["id"]) for r in ids]
        indexes = await conn.fetch(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'tracked_events'"
            " AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        for row in indexes:
            await conn.execute(f'DROP INDEX "{row["indexname"]}"')
        r = random.Random(seed_value)
        now = datetime.now(UTC)
        for start in range(0, count, CHUNK):
            records = []
            for n in range(start, min(count, start + CHUNK)):
                name = r.choice(NAMES)
                known = r.random() < 0.7
                props = (
                    {"sku": r.choice(SKUS)}
                    if name in ("product_view", "add_to_cart", "remove_from_cart")
                    else {"path": f"/p/{n % 97}"}
                )
                at = now - timedelta(seconds=r.randrange(180 * 86400))
                records.append(
                    (
                        brand_id,
                        f"e{n}",
                        name,
                        at,
                        at,
                        r.choice(customers) if known else None,
                        None if known else f"anon-{r.randrange(count // 30)}",
                        f"s{n // 15}",
                        None,
                        orjson.dumps(props).decode(),
                    )
                )
            await conn.copy_records_to_table("tracked_events", records=records, columns=COLUMNS)
        for row in indexes:
            await conn.execute(row["indexdef"])
        await conn.execute("ANALYZE tracked_events")
    finally:
        await conn.close()
    return time.perf_counter() - began


def run_refresh() -> tuple[float, int, dict[str, Any]]:
    """The real command; (seconds, peak RSS of the child in KiB, its JSON output)."""
    began = time.perf_counter()
    done = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "crm"),
            "analytics",
            "refresh",
            "--brand",
            SLUG,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak, json.loads(done.stdout)


def report_queries(
    customer: str, product: str, today: date
) -> dict[str, tuple[str, dict[str, Any]]]:
    def days(n: int) -> dict[str, str]:
        return {"from": (today - timedelta(days=n - 1)).isoformat(), "to": today.isoformat()}

    q90, q365 = days(90), days(365)
    series = (
        "query($r: DateRangeInput, $i: ReportInterval!, $g: SalesGroupBy) { analytics {"
        " salesSeries(range: $r, interval: $i, groupBy: $g) { series { key revenue"
        " points { from purchases revenue } } } } }"
    )
    overview = (
        "query($r: DateRangeInput, $i: ReportInterval!) { analytics { overview(range: $r,"
        " interval: $i) { current { customers newCustomers activeCustomers purchases revenue"
        " averageOrderValue purchaseFrequency pointsIssued pointsRedeemed }"
        " previous { purchases revenue } periods { from figures { purchases revenue } } } } }"
    )
    cohorts = (
        "query($r: DateRangeInput, $p: CohortPeriod!) { analytics { retentionCohorts(range: $r,"
        " period: $p) { cohorts { from size rates } } } }"
    )
    repeat = "query($r: DateRangeInput) { analytics { repeatPurchaseRate(range: $r) { rate } } }"
    rules = (
        "query($r: DateRangeInput) { analytics { associationRules(minSupport: 0.01,"
        " minConfidence: 0.1, range: $r, first: 50) { antecedent { sku } consequent { sku }"
        " support confidence lift } } }"
    )
    return {
        "overview 90 d by month": (overview, {"r": q90, "i": "MONTH"}),
        "overview 365 d by month": (overview, {"r": q365, "i": "MONTH"}),
        "overview 90 d by day": (overview, {"r": q90, "i": "DAY"}),
        "repeatPurchaseRate 90 d": (repeat, {"r": q90}),
        "repeatPurchaseRate 365 d": (repeat, {"r": q365}),
        "retentionCohorts 365 d by month": (cohorts, {"r": q365, "p": "MONTH"}),
        "retentionCohorts 91 d by week": (cohorts, {"r": days(91), "p": "WEEK"}),
        "salesSeries 90 d by day": (series, {"r": q90, "i": "DAY"}),
        "salesSeries 90 d by day, STORE": (series, {"r": q90, "i": "DAY", "g": "STORE"}),
        "salesSeries 90 d by day, CHANNEL": (series, {"r": q90, "i": "DAY", "g": "CHANNEL"}),
        "salesSeries 90 d by week, TIER": (series, {"r": q90, "i": "WEEK", "g": "TIER"}),
        "salesSeries 90 d by day, CATEGORY": (series, {"r": q90, "i": "DAY", "g": "CATEGORY"}),
        "salesSeries 365 d by month, CATEGORY": (
            series,
            {"r": q365, "i": "MONTH", "g": "CATEGORY"},
        ),
        "associationRules 365 d": (rules, {"r": q365}),
        "churnRiskDistribution": (
            "{ analytics { churnRiskDistribution { scoredCustomers averageProbability"
            " buckets { customers } model { auc brier } } } }",
            {},
        ),
        "clusters": ("{ analytics { clusters { number label size } } }", {}),
        "customer: churnRisk, cluster": (
            "query($id: ID!) { customer(id: $id) { churnRisk { probability band"
            " drivers { feature contribution } } cluster { number label } } }",
            {"id": customer},
        ),
        "customer: recommendations(10)": (
            "query($id: ID!) { customer(id: $id) { recommendations(first: 10) {"
            " product { sku } score reason } } }",
            {"id": customer},
        ),
        "customer: nextBestOffers(5)": (
            "query($id: ID!) { customer(id: $id) { nextBestOffers(first: 5) {"
            " offer { title } score reasons } } }",
            {"id": customer},
        ),
        "product: boughtTogether(10)": (
            "query($id: ID!) { node(id: $id) { ... on Product { boughtTogether(first: 10) {"
            " consequent { sku } lift } } } }",
            {"id": product},
        ),
        "segment size: churnRisk >= 0.6": (
            "{ previewSegment(rule: {churnRisk: {min: 0.6}}) { size } }",
            {},
        ),
        "segment size: cart, no purchase, 7 d": (
            '{ previewSegment(rule: {and: [{trackedEvents: {name: "add_to_cart", min: 1,'
            " withinDays: 7}}, {not: {purchaseCount: {min: 1, withinDays: 7}}}]}) { size } }",
            {},
        ),
    }


async def time_reports(settings: Settings) -> list[tuple[str, float, float]]:
    await init_db(settings.database_url)
    try:
        brand = await Brand.get(slug=SLUG)
        created = await brands.create_app(brand, "analytics bench", ["admin"])
        token = issue_token(settings, "app", created.app.id, SLUG, frozenset({"admin"}), 3600)
        customer = await Customer.filter(brand_id=brand.id).order_by("id").first()
        assert customer is not None
        product = await Product.filter(brand_id=brand.id, sku="LATTE").first()
        assert product is not None
        today = datetime.now(UTC).astimezone(ZoneInfo(brand.timezone))
        queries = report_queries(
            to_global_id("Customer", customer.id), to_global_id("Product", product.id), today.date()
        )
        app = create_app(settings, manage_db=False)
        results = []
        headers = {"authorization": f"Bearer {token.token}"}
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as http,
        ):
            for name, (query, variables) in queries.items():
                times = []
                for attempt in range(RUNS + 1):
                    began = time.perf_counter()
                    response = await http.post(
                        "/graphql", json={"query": query, "variables": variables}, headers=headers
                    )
                    elapsed = (time.perf_counter() - began) * 1000
                    body = response.json()
                    assert not body.get("errors"), (name, body["errors"])
                    if attempt:  # the first run warms caches
                        times.append(elapsed)
                results.append((name, statistics.median(times), max(times)))
                print(
                    f"  {name:40s} median {results[-1][1]:7.1f} ms, worst {results[-1][2]:7.1f} ms"
                )
        return results
    finally:
        await close_db()


async def counts(url: str) -> dict[str, int]:
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        out = {}
        for table in ("customers", "purchases", "purchase_items", "tracked_events", "daily_spend"):
            out[table] = int(await conn.fetchval(f"SELECT COUNT(*) FROM {table}"))
        return out
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded brand")
    args = parser.parse_args()
    settings = Settings.from_env()
    url = settings.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set CRM_DATABASE_URL to a scratch PostgreSQL database")
    if not args.skip_seed:
        began = time.perf_counter()
        asyncio.run(seed(url, SLUG, args.customers))
        print(f"base seed: {time.perf_counter() - began:.1f} s")

        async def events() -> float:
            await init_db(url)
            try:
                brand_id = (await Brand.get(slug=SLUG)).id
            finally:
                await close_db()
            return await load_events(url, brand_id, args.events)

        print(f"events: {args.events:,} in {asyncio.run(events()):.1f} s")
    print("rows:", asyncio.run(counts(url)))
    seconds, peak_kib, output = run_refresh()
    print(f"crm analytics refresh: {seconds:.1f} s, peak RSS {peak_kib / 1024:.0f} MiB")
    print(json.dumps(output, indent=1))
    print("reports (GraphQL in-process):")
    results = asyncio.run(time_reports(settings))
    worst = max(results, key=lambda r: r[2])
    print(f"slowest report: {worst[0]} (median {worst[1]:.1f} ms, worst {worst[2]:.1f} ms)")


if __name__ == "__main__":
    main()
