"""The ORM's asyncpg client, with a transaction start that survives a dead connection.

Tortoise's pooled transaction takes a connection and marks the task as inside the transaction
before sending BEGIN. When BEGIN fails (the connection was killed: pg_terminate_backend, a
restart), it neither gives the connection back nor clears the mark: the pool is one connection
short for good, and every later transaction of that task becomes a savepoint on the dead
connection (the event relay never recovered). Here a failed start undoes both.
"""

from __future__ import annotations

import contextlib
from typing import Any

from tortoise import connections
from tortoise.backends.asyncpg.client import AsyncpgDBClient, TransactionWrapper
from tortoise.backends.base.client import TransactionContext, TransactionContextPooled


class _StartSafeTransaction(TransactionContextPooled):
    async def __aenter__(self) -> Any:
        try:
            return await super().__aenter__()
        except BaseException:
            token = getattr(self, "token", None)
            if token is not None:  # the connection was taken and the task marked: undo both
                connections.reset(token)
                pool = self.client._parent._pool
                if pool is not None:
                    with contextlib.suppress(Exception):
                        await pool.release(self.client._connection)
            raise


class SafeAsyncpgDBClient(AsyncpgDBClient):
    def _in_transaction(self) -> TransactionContext:
        return _StartSafeTransaction(TransactionWrapper(self), self._pool_init_lock)


client_class = SafeAsyncpgDBClient
