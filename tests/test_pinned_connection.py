"""models/pinned: a read's statements run on one pooled connection, taken once, on PostgreSQL;
transactions inside it neither need a second connection nor leak one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import asyncpg
import pytest
from tortoise import Tortoise
from tortoise.transactions import in_transaction

from auth.context import Context, authenticate
from config import Settings
from models import Brand
from models.pg_client import CRMAsyncpgClient
from models.pinned import pinned_connection
from schema import build_schema
from tests.concurrency import on_postgres
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, create_customer, make_brand

PID = "SELECT pg_backend_pid() AS pid, pg_sleep(0.02)"


@pytest.fixture
def pool_client() -> CRMAsyncpgClient:
    if not on_postgres():
        pytest.skip("a pool of connections is PostgreSQL's")
    client = Tortoise.get_connection("default")
    assert isinstance(client, CRMAsyncpgClient)
    return client


async def _pids(times: int) -> set[int]:
    async def pid() -> int:
        _, rows = await Tortoise.get_connection("default").execute_query(PID)
        return int(rows[0]["pid"])

    return set(await asyncio.gather(*(pid() for _ in range(times))))


class _CountingPool:
    """The client's own pool, counting the connections taken from it (by requests: the
    server's background loops, tasks named crm-*, are left out)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.taken = 0

    def acquire(self, *args: Any, **kwargs: Any) -> Any:
        task = asyncio.current_task()
        if task is None or not task.get_name().startswith("crm-"):
            self.taken += 1
        return self.pool.acquire(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


@contextmanager
def counting_acquisitions(client: CRMAsyncpgClient) -> Iterator[_CountingPool]:
    pool = client.asyncpg_pool
    assert pool is not None
    counting = _CountingPool(pool)
    client.asyncpg_pool = counting  # type: ignore[assignment]
    try:
        yield counting
    finally:
        client.asyncpg_pool = pool


async def test_statements_started_together_share_the_one_connection(
    pool_client: CRMAsyncpgClient,
) -> None:
    assert len(await _pids(4)) > 1, "without a pin, concurrent statements take several"
    async with pinned_connection():
        assert len(await _pids(4)) == 1
        async with pinned_connection():  # nested: the same connection
            assert len(await _pids(2)) == 1


async def test_a_transaction_inside_runs_on_it_and_commits_or_rolls_back(
    pool_client: CRMAsyncpgClient,
) -> None:
    brand = await make_brand("pinned-tx")
    async with pinned_connection():
        (pinned,) = await _pids(1)
        async with in_transaction() as conn:
            _, rows = await conn.execute_query("SELECT pg_backend_pid() AS pid")
            assert rows[0]["pid"] == pinned
            await Brand.filter(id=brand.id).update(name="kept")
        with pytest.raises(RuntimeError):
            async with in_transaction():
                await Brand.filter(id=brand.id).update(name="undone")
                raise RuntimeError("roll back")
        assert (await Brand.get(id=brand.id)).name == "kept"


async def test_every_connection_pinned_with_a_transaction_inside_does_not_deadlock(
    pool_client: CRMAsyncpgClient,
) -> None:
    """Were a transaction inside a read to take a second connection, reads holding every one
    of the pool's connections would each wait for another forever."""
    await make_brand("pinned-all")
    pool = pool_client.asyncpg_pool
    assert pool is not None
    readers = pool.get_max_size() + 2

    async def read_then_write(i: int) -> str:
        async with pinned_connection():
            await _pids(1)
            await asyncio.sleep(0.05)  # every reader holds its connection before any writes
            brand, _ = await Brand.get_or_create(
                slug=f"pinned-{i}", defaults={"name": f"B{i}", "display_name": f"B{i}"}
            )
            return brand.slug

    slugs = await asyncio.wait_for(asyncio.gather(*map(read_then_write, range(readers))), 20)
    assert sorted(slugs) == sorted(f"pinned-{i}" for i in range(readers))


async def test_a_task_outliving_the_read_takes_a_pooled_connection(
    pool_client: CRMAsyncpgClient,
) -> None:
    go = asyncio.Event()

    async def later() -> set[int]:
        await go.wait()
        return await _pids(1)

    async with pinned_connection():
        await _pids(1)
        left_behind = asyncio.create_task(later())
    go.set()
    assert len(await left_behind) == 1  # answered, on whatever connection the pool gives
    with counting_acquisitions(pool_client) as pool:
        await _pids(1)
        assert pool.get_idle_size() == pool.get_size(), "the pinned connection went back"
    assert pool.taken == 1


async def test_a_query_takes_one_connection_and_a_mutation_its_own(
    pool_client: CRMAsyncpgClient, gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand("pinned-page"))
    for i in range(3):
        await create_customer(gql, token, name=f"Pinned {i}", phone=f"+8613800000{i:03d}")
    page = """{ customers(first: 10) { edges { node {
        id membership { status tier { name } }
        pointsTransactions(first: 5) { edges { node { amount } } }
        coupons(first: 5) { edges { node { code } } } } } } }"""
    schema = build_schema()
    context = Context(request=None, settings=settings, request_id="pinned")
    await authenticate(context, token)
    with count_statements() as statements, counting_acquisitions(pool_client) as pool:
        result = await schema.execute(page, context_value=context)
    assert not result.errors and result.data is not None
    assert len(result.data["customers"]["edges"]) == 3
    assert len(statements) >= 4  # customers, memberships, ledger, coupons (tiers: none here)
    assert pool.taken == 1, "a query's statements share one connection"
    mutation = 'mutation { createCustomer(input: {name: "M"}) { errors { code } } }'
    with counting_acquisitions(pool_client) as pool:
        result = await schema.execute(mutation, context_value=context)
    assert not result.errors
    assert pool.taken >= 1
