"""Benchmark 3: `awardPoints` through /graphql against the same SQL transaction in asyncpg.

    CRM_DATABASE_URL=postgres://... python -m bench.seed --customers 100000
    CRM_DATABASE_URL=postgres://... python -m bench.points_writes --seconds 10

One uvicorn worker serves /graphql; the load client sends `awardPoints` with a fresh
idempotency key each time, spread over many customers, then all to one hot customer (every
request waits for the previous one's row lock). GraphQL and the baseline alternate in
two-second rounds, so both see the same machine. The baseline runs, at the same concurrency and
with the server's pool size, the transaction services/loyalty/points.py runs: lock the customer
and the
membership row, look the key up, look for pending lots due (only when the member has pending
points, as the service), read the settings, update the
balance, insert the ledger row, the audit row, take the brand's event id and insert the outbox
event. Afterwards it checks balance == sum of the ledger == sum of lot remainders for every
member, and that every request added exactly one ledger row, audit row and event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import uuid
from collections.abc import Sequence
from typing import Any, overload

import asyncpg
import orjson

from bench.loadgen import LoadResult, build_request, merge, run_load
from bench.nested_read import HOST, free_port, start_server, wait_ready
from bench.points_baseline import award_sql, check_invariants, ledger_counts
from config import Settings
from resolvers.ids import to_global_id

AWARD = """mutation($input: AwardPointsInput!) { awardPoints(input: $input) {
  transaction { id balanceAfter } errors { code } } }"""
SERVER_POOL_SIZE = 5  # tortoise's asyncpg default (maxsize); the baseline gets the same


class AwardRequests(Sequence[bytes]):
    """Request i awards points to customers[i % n] under a key never used before."""

    def __init__(self, port: int, token: str, customers: list[int], run: str) -> None:
        self.port, self.token, self.customers, self.run = port, token, customers, run
        self.headers = {"Authorization": f"Bearer {token}"}

    def __len__(self) -> int:
        return 10**12

    @overload
    def __getitem__(self, index: int) -> bytes: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[bytes]: ...
    def __getitem__(self, index: int | slice) -> bytes | Sequence[bytes]:
        if isinstance(index, slice):
            raise TypeError("no slices")
        customer = self.customers[index % len(self.customers)]
        variables = {
            "input": {
                "customerId": to_global_id("Customer", customer),
                "points": 5,
                "reason": "bench",
                "source": "staff",
                "idempotencyKey": f"{self.run}-{index}",
            }
        }
        body = orjson.dumps({"query": AWARD, "variables": variables})
        return build_request(HOST, self.port, "/graphql", body, self.headers)


async def bench_token(settings: Settings, slug: str) -> tuple[str, int, int]:
    """A points:write partner token, the brand id and the app id."""
    from auth.tokens import issue_token
    from models import App, Brand
    from models.db import close_db, init_db
    from services.brands import brands

    await init_db(settings.database_url)
    try:
        brand = await Brand.get(slug=slug)
        app = await App.get_or_none(brand_id=brand.id, name="bench points")
        if app is None:
            app = (await brands.create_app(brand, "bench points", ["points:write"])).app
        scopes = frozenset({"points:write"})
        token = issue_token(settings, "app", app.id, slug, scopes, 3600).token
        return token, brand.id, app.id
    finally:
        await close_db()


async def run_baseline(
    url: str, brand_id: int, app_id: int, customers: list[int], concurrency: int, seconds: float
) -> LoadResult:
    pool = await asyncpg.create_pool(url, min_size=SERVER_POOL_SIZE, max_size=SERVER_POOL_SIZE)
    latencies: list[float] = []
    count = errors = 0
    run = uuid.uuid4().hex[:8]
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal count, errors
        i = offset
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                async with pool.acquire() as conn:
                    await award_sql(
                        conn, brand_id, app_id, customers[i % len(customers)], 5, f"b{run}-{i}"
                    )
                count += 1
            except asyncpg.PostgresError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
            i += concurrency

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    await pool.close()
    return LoadResult(count, errors, wall, latencies, cpu)


def alternating(
    port: int,
    token: str,
    url: str,
    brand_id: int,
    app_id: int,
    customers: list[int],
    concurrency: int,
    seconds: float,
) -> tuple[LoadResult, LoadResult]:
    """Two-second rounds of each load in turn, so both see the same machine (others share it)."""
    rounds = max(1, round(seconds / 2))
    gql: list[LoadResult] = []
    base: list[LoadResult] = []
    for _ in range(rounds):
        load = AwardRequests(port, token, customers, uuid.uuid4().hex[:8])
        gql.append(asyncio.run(run_load(HOST, port, load, concurrency, seconds / rounds)))
        base.append(
            asyncio.run(
                run_baseline(url, brand_id, app_id, customers, concurrency, seconds / rounds)
            )
        )
    return merge(gql), merge(base)


async def pick_customers(url: str, brand_id: int, count: int) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT customer_id FROM memberships WHERE brand_id = $1 ORDER BY customer_id LIMIT $2",
            brand_id,
            count,
        )
    finally:
        await conn.close()
    ids = [int(r["customer_id"]) for r in rows]
    if not ids:
        raise SystemExit("no members: run python -m bench.seed first")
    random.Random(3).shuffle(ids)
    return ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brand", default="bench")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--customers", type=int, default=5000, help="spread over this many")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[10, 50])
    parser.add_argument("--database-url", help="default: CRM_DATABASE_URL")
    args = parser.parse_args()
    settings = Settings.from_env()
    if args.database_url:
        import os

        os.environ["CRM_DATABASE_URL"] = args.database_url
        settings = Settings.from_env()
    if settings.is_sqlite:
        raise SystemExit("the baseline uses asyncpg: pass --database-url postgres://...")
    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    token, brand_id, app_id = asyncio.run(bench_token(settings, args.brand))
    many = asyncio.run(pick_customers(url, brand_id, args.customers))
    before = asyncio.run(ledger_counts(url, brand_id))
    port = free_port()
    server = start_server(port)
    results: list[dict[str, Any]] = []
    requests = 0
    try:
        wait_ready(port)
        for label, customers in (("many customers", many), ("one hot customer", many[:1])):
            for concurrency in args.concurrency:
                gql, base = alternating(
                    port, token, url, brand_id, app_id, customers, concurrency, args.seconds
                )
                requests += gql.requests - gql.errors + base.requests
                ratio = gql.rps / base.rps if base.rps else float("nan")
                print(f"{label}, concurrency {concurrency}")
                print(f"  graphql   {gql.summary()}")
                print(f"  baseline  {base.summary()}")
                print(f"  ratio graphql/baseline: {ratio:.2f}x (target >= 0.5x)")
                figures = {"graphql": round(gql.rps, 1), "baseline": round(base.rps, 1)}
                results.append(
                    {"case": label, "concurrency": concurrency, **figures, "ratio": round(ratio, 2)}
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
    after = asyncio.run(ledger_counts(url, brand_id))
    problems = asyncio.run(check_invariants(url, brand_id, before, after, requests))
    print(json.dumps({"results": results, "invariants": problems or "ok"}))
    if problems:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
