"""The ORM's asyncpg client (the `engine` of the PostgreSQL connection, models/db.py), owning
the connections statements run on instead of reaching into Tortoise's.

- Every connection comes from the client's asyncpg pool, recorded when Tortoise creates it
  (`create_pool`, a public hook), through `pooled_connection()`.
- A request may lend one of them to all its statements (`REQUEST_CONNECTION`, a contextvar set
  by models/pinned.py): `acquire_connection()`, the method the ORM's statements use, gives it,
  one statement at a time, while it is lent, and a pooled one after.
- `in_transaction()` runs on the request's connection when one is lent (holding it until the
  transaction ends, so a read never needs a second connection), else on a pooled one, through
  `TransactionClient`, a client bound to one connection. A transaction that fails to start
  (BEGIN on a connection PostgreSQL killed) gives its connection back and leaves the task
  outside any transaction; Tortoise's own pooled transaction kept both, for good.
"""

from __future__ import annotations

import asyncio
import contextlib
from contextvars import ContextVar
from typing import Any

import asyncpg
from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient
from tortoise.backends.base.client import TransactionalDBClient, TransactionContext
from tortoise.backends.base_postgres.client import translate_exceptions
from tortoise.exceptions import TransactionManagementError


class RequestConnection:
    """A connection lent to a request's statements (or held by a transaction's); asyncpg runs
    one statement at a time on a connection, so they take turns (`lock`). `open` is False once
    it went back to the pool."""

    __slots__ = ("connection", "lock", "open", "pool")

    def __init__(self, connection: asyncpg.Connection, pool: asyncpg.Pool | None) -> None:
        self.connection = connection
        self.pool = pool  # whose connection it is: another client's statements take their own
        self.lock = asyncio.Lock()
        self.open = True


REQUEST_CONNECTION: ContextVar[RequestConnection | None] = ContextVar(
    "crm_request_connection", default=None
)


class CRMAsyncpgClient(AsyncpgDBClient):
    asyncpg_pool: asyncpg.Pool | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pool_opening = asyncio.Lock()

    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        self.asyncpg_pool = await super().create_pool(**kwargs)
        return self.asyncpg_pool

    async def close(self) -> None:
        await super().close()
        self.asyncpg_pool = None

    async def open_pool(self) -> asyncpg.Pool:
        async with self.pool_opening:  # one opening, however many tasks ask at once
            if self.asyncpg_pool is None:
                await self.create_connection(with_db=True)
        assert self.asyncpg_pool is not None
        return self.asyncpg_pool

    def pooled_connection(self) -> PooledConnection:
        """A connection of the pool for an `async with` block."""
        return PooledConnection(self)

    def request_connection(self) -> RequestConnection | None:
        """The connection lent to the current request from this client's pool, if any."""
        request = REQUEST_CONNECTION.get()
        return request if request is not None and request.pool is self.asyncpg_pool else None

    def acquire_connection(self) -> Any:
        request = self.request_connection()
        return PooledConnection(self) if request is None else Turn(self, request)

    # Tortoise's hook behind the public `in_transaction()` (defined here, never read).
    def _in_transaction(self) -> TransactionContext:
        return OwnTransaction(self, self.request_connection())


class PooledConnection:
    __slots__ = ("client", "connection", "pool")

    def __init__(self, client: CRMAsyncpgClient) -> None:
        self.client = client
        self.connection: asyncpg.Connection | None = None

    async def __aenter__(self) -> asyncpg.Connection:
        pool = self.client.asyncpg_pool or await self.client.open_pool()
        self.pool = pool
        self.connection = await pool.acquire()
        return self.connection

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        await self.pool.release(self.connection)


class Turn:
    """A lent connection for one statement or transaction (its lock held), or a pooled one once
    it went back (or when none is lent)."""

    __slots__ = ("client", "lent", "pooled")

    def __init__(self, client: CRMAsyncpgClient, lent: RequestConnection | None) -> None:
        self.client = client
        self.lent = lent
        self.pooled: PooledConnection | None = None

    async def __aenter__(self) -> asyncpg.Connection:
        lent = self.lent
        if lent is not None:
            await lent.lock.acquire()
            if lent.open:
                return lent.connection
            lent.lock.release()
            self.lent = None
        self.pooled = PooledConnection(self.client)
        return await self.pooled.__aenter__()

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if self.lent is not None:
            lent, self.lent = self.lent, None
            lent.lock.release()
        elif self.pooled is not None:
            pooled, self.pooled = self.pooled, None
            await pooled.__aexit__(exc_type, exc_val, exc_tb)


class TransactionClient(CRMAsyncpgClient, TransactionalDBClient):
    """The ORM's client on one connection, inside a transaction (or a savepoint of one)."""

    def __init__(self, parent: CRMAsyncpgClient, held: RequestConnection) -> None:
        vars(self).update(vars(parent))  # the parent's settings: name, log, pool, schema...
        self.held = held  # its statements take turns on it, savepoints' included
        self.connection = held.connection
        self.transaction: Any = None
        self.finalized = False

    def acquire_connection(self) -> Any:
        return Turn(self, self.held)

    def _in_transaction(self) -> TransactionContext:  # Tortoise's hook, as above
        return Savepoint(TransactionClient(self, self.held))

    @translate_exceptions
    async def execute_many(self, query: str, values: list[Any]) -> None:
        async with self.acquire_connection() as connection:
            self.log.debug("%s: %s", query, values)
            await connection.executemany(query, values)

    @translate_exceptions
    async def begin(self) -> None:
        self.transaction = self.connection.transaction()  # a savepoint when one is open
        await self.transaction.start()

    async def commit(self) -> None:
        self._finalize()
        await self.transaction.commit()

    async def rollback(self) -> None:
        self._finalize()
        await self.transaction.rollback()

    savepoint, release_savepoint, savepoint_rollback = begin, commit, rollback

    def _finalize(self) -> None:
        if self.transaction is None:
            raise TransactionManagementError("Transaction is in invalid state")
        if self.finalized:
            raise TransactionManagementError("Transaction already finalised")
        self.finalized = True


class Savepoint(TransactionContext):
    """A savepoint of the client's transaction (its connection's transaction is one)."""

    client: TransactionClient

    def __init__(self, client: TransactionClient) -> None:
        self.client = client

    async def __aenter__(self) -> TransactionClient:
        await self.client.begin()
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if self.client.finalized:
            return
        if exc_type is None:
            await self.client.commit()
        elif exc_type is not TransactionManagementError:  # a failed one cannot roll back
            await self.client.rollback()


class OwnTransaction(Savepoint):
    """A transaction on the request's connection, held (its lock) until the end, or on a
    pooled one; the task sees its client (`connections`) until it ends."""

    def __init__(self, parent: CRMAsyncpgClient, request: RequestConnection | None) -> None:
        self.parent = parent
        self.turn = Turn(parent, request)

    async def __aenter__(self) -> TransactionClient:
        connection = await self.turn.__aenter__()
        try:
            self.client = TransactionClient(self.parent, RequestConnection(connection, None))
            await super().__aenter__()
        except BaseException:
            with contextlib.suppress(Exception):  # a dead connection goes back all the same
                await self.turn.__aexit__(None, None, None)
            raise
        self.token = connections.set(self.parent.connection_name, self.client)
        return self.client

    async def __aexit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        try:
            await super().__aexit__(exc_type, exc_val, exc_tb)
        finally:
            connections.reset(self.token)
            await self.turn.__aexit__(None, None, None)


client_class = CRMAsyncpgClient
