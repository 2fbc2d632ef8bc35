"""The `awardPoints` cost inside one process: GraphQL and the service against plain asyncpg.

    CRM_DATABASE_URL=postgres://... python -m bench.award_inprocess [--repeat 700] [--profile]

No HTTP, no load client, no outbox relay: one award at a time, alternately through
`schema.execute` (authentication from the token included) and through the baseline's
transaction (`bench.points_baseline.award_sql`), each to a different seeded member with a fresh
idempotency key. Prints the CPU milliseconds per award of each (and of the service called
directly, without GraphQL or authentication) and their ratio; `--profile`
prints where the GraphQL side's CPU goes (cProfile, by own time).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import asyncpg

from bench.nested_inprocess import interleaved_medians, profile_and_loop
from bench.points_baseline import award_sql
from bench.points_writes import AWARD, bench_token, pick_customers
from config import Settings
from resolvers.ids import to_global_id

Award = Callable[[int], Awaitable[object]]


def graphql_award(schema: Any, settings: Settings, token: str, customers: list[int]) -> Award:
    """Award i through `schema.execute`, authentication from the token included."""
    from auth.context import Context, authenticate

    run_id = uuid.uuid4().hex[:8]

    async def award(i: int) -> object:
        context = Context(request=None, settings=settings, request_id="bench")
        await authenticate(context, token)
        variables = {
            "input": {
                "customerId": to_global_id("Customer", customers[i % len(customers)]),
                "points": 5,
                "reason": "bench",
                "source": "staff",
                "idempotencyKey": f"g{run_id}-{i}",
            }
        }
        result = await schema.execute(AWARD, variables, context_value=context)
        assert not result.errors and result.data, result.errors
        assert not result.data["awardPoints"]["errors"], result.data
        return result.data

    return award


def service_award(brand_id: int, app_id: int, customers: list[int]) -> Award:
    """Award i through the service alone (no GraphQL, no authentication)."""
    from services.common.actor import Actor
    from services.loyalty import points

    actor, run_id = Actor(brand_id, "app", str(app_id), "bench"), uuid.uuid4().hex[:8]
    return lambda i: points.award_points(
        actor, customers[i % len(customers)], 5, "bench", "staff", f"s{run_id}-{i}"
    )


def baseline_award(pool: asyncpg.Pool, brand_id: int, app_id: int, customers: list[int]) -> Award:
    """Award i as the baseline's transaction in plain asyncpg."""
    run_id = uuid.uuid4().hex[:8]

    async def award(i: int) -> object:
        async with pool.acquire() as conn:
            customer = customers[i % len(customers)]
            return await award_sql(conn, brand_id, app_id, customer, 5, f"b{run_id}-{i}")

    return award


async def run(settings: Settings, slug: str, repeat: int, profile: bool) -> None:
    from models.db import close_db, init_db
    from schema import build_schema

    url = settings.database_url.replace("postgres://", "postgresql://", 1)
    token, brand_id, app_id = await bench_token(settings, slug)
    customers = await pick_customers(url, brand_id, 5000)
    await init_db(settings.database_url)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
    counter = itertools.count()
    try:
        calls = (
            graphql_award(build_schema(), settings, token, customers),
            service_award(brand_id, app_id, customers),
            baseline_award(pool, brand_id, app_id, customers),
        )
        graphql, service, baseline = (partial(_next, call, counter) for call in calls)
        graphql_ms, baseline_ms = await interleaved_medians(graphql, baseline, repeat)
        service_ms, _ = await interleaved_medians(service, baseline, repeat)
        print(
            f"CPU per award: graphql {graphql_ms:.3f} ms (the service alone {service_ms:.3f} ms), "
            f"baseline {baseline_ms:.3f} ms"
        )
        print(f"ratio baseline/graphql (the throughput ceiling): {baseline_ms / graphql_ms:.2f}x")
        await profile_and_loop(graphql, repeat, profile)
    finally:
        await pool.close()
        await close_db()


async def _next(call: Award, counter: itertools.count[int]) -> None:
    await call(next(counter))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brand", default="bench")
    parser.add_argument("--repeat", type=int, default=700)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    settings = Settings.from_env()
    if settings.is_sqlite:
        raise SystemExit("the baseline uses asyncpg: set CRM_DATABASE_URL=postgres://")
    asyncio.run(run(settings, args.brand, args.repeat, args.profile))


if __name__ == "__main__":
    main()
