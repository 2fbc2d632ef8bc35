"""The nested read's cost inside one process: GraphQL execution against the baseline's handler.

    CRM_DATABASE_URL=postgres://... python -m bench.nested_inprocess [--repeat 200] [--profile]

No HTTP and no load client: it runs the benchmark-1 page (50 customers) through
`schema.execute` and the hand-written baseline's queries and JSON building in the same process,
one after the other, and prints the CPU milliseconds per page of each and their ratio. With
`--profile` it prints where the GraphQL execution's CPU goes (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson

from bench.baseline_app import customers_page, nested_query
from bench.nested_read import demo_token
from config import Settings
from server import GC_THRESHOLDS


async def cpu_per_call(call: Callable[[], Awaitable[Any]], repeat: int) -> float:
    started = time.process_time()
    for _ in range(repeat):
        await call()
    return (time.process_time() - started) * 1000 / repeat


async def interleaved_medians(
    first: Callable[[], Awaitable[Any]], second: Callable[[], Awaitable[Any]], repeat: int
) -> tuple[float, float]:
    """Median CPU ms per call of each over 7 alternating rounds: this machine is shared. The
    cyclic collector runs with the server's thresholds, as in the server."""
    gc.set_threshold(*GC_THRESHOLDS)
    for _ in range(10):  # warm caches, loaders' code paths, the pool
        await first()
        await second()
    rounds: tuple[list[float], list[float]] = ([], [])
    for _ in range(7):
        rounds[0].append(await cpu_per_call(first, max(1, repeat // 7)))
        rounds[1].append(await cpu_per_call(second, max(1, repeat // 7)))
    return statistics.median(rounds[0]), statistics.median(rounds[1])


async def profile_and_loop(call: Callable[[], Awaitable[Any]], repeat: int, profile: bool) -> None:
    """With `profile`, where `call`'s CPU goes (cProfile; BENCH_SORT, BENCH_TOP); with
    BENCH_LOOP set, keep calling it for an external sampling profiler (py-spy)."""
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            await call()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime"))
        stats.print_stats(int(os.environ.get("BENCH_TOP", "35")))
    if os.environ.get("BENCH_LOOP"):
        while True:
            await call()


Page = Callable[[], Awaitable[bytes]]


def graphql_page(schema: Any, settings: Settings, token: str, coupons: bool) -> Page:
    """The benchmark's page through `schema.execute`, authentication included, as JSON."""
    from auth.context import Context, authenticate

    query = nested_query(coupons)

    async def page() -> bytes:
        context = Context(request=None, settings=settings, request_id="bench")
        await authenticate(context, token)
        result = await schema.execute(query, {"first": 50}, context_value=context)
        assert not result.errors, result.errors
        return orjson.dumps({"data": result.data})

    return page


def baseline_page(pool: asyncpg.Pool, slug: str, coupons: bool) -> Page:
    """The same page from the hand-written handler's queries and JSON building."""

    async def page() -> bytes:
        return orjson.dumps(await customers_page(pool, slug, 50, coupons))

    return page


async def run(settings: Settings, slug: str, repeat: int, coupons: bool, profile: bool) -> None:
    from models.db import close_db, init_db
    from schema import build_schema

    token = await demo_token(settings, slug)
    await init_db(settings.database_url)
    pool = await asyncpg.create_pool(
        settings.database_url.replace("postgres://", "postgresql://", 1), min_size=1, max_size=2
    )
    try:
        graphql = graphql_page(build_schema(), settings, token, coupons)
        baseline = baseline_page(pool, slug, coupons)
        graphql_ms, baseline_ms = await interleaved_medians(graphql, baseline, repeat)
        print(f"CPU per page: graphql {graphql_ms:.2f} ms, baseline {baseline_ms:.2f} ms")
        print(f"ratio baseline/graphql (the throughput ceiling): {baseline_ms / graphql_ms:.2f}x")
        await profile_and_loop(graphql, repeat, profile)
    finally:
        await pool.close()
        await close_db()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brand", default="bench")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--without-coupons", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env()
    if settings.is_sqlite:
        raise SystemExit("the hand-written baseline uses asyncpg: set CRM_DATABASE_URL=postgres://")
    asyncio.run(run(settings, args.brand, args.repeat, not args.without_coupons, args.profile))


if __name__ == "__main__":
    main()
