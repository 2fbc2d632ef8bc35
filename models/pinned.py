"""One pooled PostgreSQL connection for a whole read, instead of one per statement.

The ORM takes a connection from the pool for each statement and gives it back after. A page of
customers sends five statements, some of them at once; fifty such pages in flight on a pool of
ten queue for connections five times each, and the waiting (futures, wake-ups, fifty requests'
objects alive at once) cost a fifth more CPU per page than at concurrency ten. Inside
`pinned_connection()` every statement of the current task, and of the tasks it starts, runs on
one connection taken once: concurrent statements take turns on it, as they do in a transaction.

A transaction opened inside (`in_transaction()`, `get_or_create`) runs on the same connection
and holds it until it ends, so a read never needs a second connection: with every connection
pinned, a second one could never come. Outside PostgreSQL's pool (SQLite; already inside a
transaction) it changes nothing. After the block, a task that outlived it goes back to the pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import PoolConnectionWrapper, TransactionContext
from tortoise.exceptions import TransactionManagementError

ALIAS = "default"


class PinnedConnection(TransactionWrapper):
    """The ORM's client on one connection of the pool, with no transaction open. Once the
    connection has gone back to the pool (`_connection` None), statements take one from it."""

    def __init__(self, pool_client: AsyncpgDBClient, connection: Any) -> None:
        super().__init__(pool_client)
        self._connection = connection
        self._pool_client = pool_client

    def acquire_connection(self) -> Any:
        return _Turn(self)

    def _in_transaction(self) -> TransactionContext:
        return _TransactionOnPinned(self)


class _Turn:
    """The pinned connection for one statement (its lock held), or a pooled one after."""

    __slots__ = ("pinned", "pooled")

    def __init__(self, pinned: PinnedConnection) -> None:
        self.pinned = pinned
        self.pooled: PoolConnectionWrapper[Any] | None = None

    async def __aenter__(self) -> Any:
        pinned = self.pinned
        await pinned._lock.acquire()
        if pinned._connection is not None:
            return pinned._connection
        pinned._lock.release()
        client = pinned._pool_client
        self.pooled = PoolConnectionWrapper(client, client._pool_init_lock)
        return await self.pooled.__aenter__()

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if self.pooled is not None:
            await self.pooled.__aexit__(exc_type, exc_val, exc_tb)
        else:
            self.pinned._lock.release()


class _TransactionOnPinned(TransactionContext):
    """A transaction on the pinned connection, holding it (its lock) until it ends."""

    def __init__(self, pinned: PinnedConnection) -> None:
        self.pinned = pinned
        self.connection_name = pinned.connection_name
        self.pooled: TransactionContext | None = None

    async def __aenter__(self) -> Any:
        pinned = self.pinned
        await pinned._lock.acquire()
        if pinned._connection is None:
            pinned._lock.release()
            self.pooled = pinned._pool_client._in_transaction()
            return await self.pooled.__aenter__()
        self.client = TransactionWrapper(pinned)
        try:
            await self.client.begin()
        except BaseException:
            pinned._lock.release()
            raise
        self.token = connections.set(self.connection_name, self.client)
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if self.pooled is not None:
            await self.pooled.__aexit__(exc_type, exc_val, exc_tb)
            return
        try:
            if not self.client._finalized:
                if exc_type is None:
                    await self.client.commit()
                elif exc_type is not TransactionManagementError:
                    await self.client.rollback()
        finally:
            connections.reset(self.token)
            self.pinned._lock.release()


@asynccontextmanager
async def pinned_connection() -> AsyncIterator[None]:
    """Run the block's statements on one pooled connection (PostgreSQL), taken here."""
    client = connections.get(ALIAS)
    if not isinstance(client, AsyncpgDBClient) or isinstance(client, TransactionWrapper):
        yield
        return
    if client._pool is None:
        await client.create_connection(with_db=True)
    pool = client._pool
    assert pool is not None
    connection = await pool.acquire()
    pinned = PinnedConnection(client, connection)
    token = connections.set(ALIAS, pinned)
    try:
        yield
    finally:
        connections.reset(token)
        async with pinned._lock:  # a statement still running on it, from a task left behind
            pinned._connection = None
        await asyncio.shield(pool.release(connection))
