"""One pooled PostgreSQL connection for a whole read, instead of one per statement.

The ORM takes a connection from the pool for each statement and gives it back after. A page of
customers sends five statements, some of them at once; fifty such pages in flight on a pool of
ten queue for connections five times each, and the waiting (futures, wake-ups, fifty requests'
objects alive at once) cost a fifth more CPU per page than at concurrency ten. Inside
`pinned_connection()` every statement of the current task, and of the tasks it starts, runs on
one connection taken once (`models.pg_client.REQUEST_CONNECTION`): concurrent statements take
turns on it, as they do in a transaction.

A transaction opened inside (`in_transaction()`, `get_or_create`) runs on the same connection
and holds it until it ends, so a read never needs a second connection: with every connection
pinned, a second one could never come. Outside PostgreSQL's pool (SQLite; already inside a
transaction) it changes nothing. After the block, a task that outlived it goes back to the pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections
from tortoise.backends.base.client import TransactionalDBClient

from models.pg_client import REQUEST_CONNECTION, CRMAsyncpgClient, RequestConnection

ALIAS = "default"


@asynccontextmanager
async def pinned_connection() -> AsyncIterator[None]:
    """Run the block's statements on one pooled connection (PostgreSQL), taken here."""
    client = connections.get(ALIAS)
    if (
        not isinstance(client, CRMAsyncpgClient)
        or isinstance(client, TransactionalDBClient)
        or ((current := client.request_connection()) is not None and current.open)
    ):
        yield
        return
    pooled = client.pooled_connection()
    request = RequestConnection(await pooled.__aenter__(), pooled.pool)
    token = REQUEST_CONNECTION.set(request)
    try:
        yield
    finally:
        REQUEST_CONNECTION.reset(token)
        async with request.lock:  # a statement still running on it, from a task left behind
            request.open = False
        await asyncio.shield(pooled.__aexit__(None, None, None))
