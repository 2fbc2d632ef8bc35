"""Concurrency helpers: prove requests really overlap on PostgreSQL, then check the ledger."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import asyncpg
from tortoise import Tortoise

from models import Membership, PointsTransaction

T = TypeVar("T")
MIN_WAITERS = 3  # the pool holds 5 connections; the event relay may borrow one or two
WAIT_LIMIT_SECONDS = 60.0


def on_postgres() -> bool:
    return bool(Tortoise.get_connection("default").capabilities.dialect == "postgres")


async def _waiters(holder: asyncpg.Connection) -> int:
    count = await holder.fetchval(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    return int(count)


async def concurrently_behind_a_lock(
    row_id: int, calls: list[Coroutine[Any, Any, T]], table: str = "customers", later: int = 0
) -> list[T]:
    """Run `calls` at once. On PostgreSQL a separate connection first holds the row lock on
    `table` (a customer by default) and releases it only once several of the calls wait on it
    from their own backends: the calls are separate concurrent transactions, not serialised by
    one connection. The first `later` calls (ones that do not need the row) start only once the
    others wait on it, and meet their open transactions, the lock still held."""
    if not on_postgres():
        return list(await asyncio.gather(*calls))
    from tests.conftest import TEST_DATABASE_URL

    holder = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1))
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute(f"SELECT id FROM {table} WHERE id = $1 FOR UPDATE", row_id)
        waiting = [asyncio.ensure_future(call) for call in calls[later:]]
        most = 0
        deadline = asyncio.get_running_loop().time() + WAIT_LIMIT_SECONDS
        while most < MIN_WAITERS and asyncio.get_running_loop().time() < deadline:
            if any(t.done() for t in waiting):
                break  # something finished while the lock was held: not waiting on it
            most = max(most, await _waiters(holder))
            await asyncio.sleep(0.01)
        first = [asyncio.ensure_future(call) for call in calls[:later]]
        if first:
            await asyncio.sleep(0.2)  # they reach the waiting transactions' rows
        tasks = first + waiting
        await tx.commit()
        results = list(await asyncio.gather(*tasks))
    finally:
        await holder.close()
    assert most >= MIN_WAITERS, f"only {most} transactions waited on the lock at once"
    return results


async def assert_ledger_consistent(customer_id: int) -> None:
    """Balance = sum of the ledger, every running balance >= 0, lots add up to the balance."""
    m = await Membership.get(customer_id=customer_id)
    rows = await PointsTransaction.filter(customer_id=customer_id).order_by("id")
    running = 0
    for row in rows:
        running += row.amount
        assert running >= 0, f"negative balance at transaction {row.id}"
        assert row.balance_after == running, f"transaction {row.id}: lost or doubled update"
    assert m.available == running
    released = sum(r.remaining for r in rows if r.remaining and r.pending_until is None)
    pending = sum(r.remaining for r in rows if r.remaining and r.pending_until is not None)
    assert (m.available, m.pending) == (released, pending)
