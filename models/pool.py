"""How much of the PostgreSQL connection pool is lent out, for the metrics."""

from __future__ import annotations

import re

import asyncpg
from tortoise import Tortoise

from models.pg_client import CRMAsyncpgClient


def pool_usage() -> tuple[int, int] | None:
    """(connections in use, connections open) of the default connection's asyncpg pool; None on
    SQLite or before the pool opens (the pool models/pg_client records)."""
    try:
        client = Tortoise.get_connection("default")
    except Exception:  # not initialised: nothing to report
        return None
    pool = client.asyncpg_pool if isinstance(client, CRMAsyncpgClient) else None
    if pool is None:
        return None
    size = pool.get_size()
    return size - pool.get_idle_size(), size


# What PostgreSQL (or the way to it) raises when a connection dies under a statement:
# pg_terminate_backend (57P01), a server restart, a dropped socket. Not a statement timeout.
_LOST = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.CannotConnectNowError,
    ConnectionError,  # tortoise's DBConnectionError too
)


_BROKEN_CLIENT = re.compile(r"closed|released back to the pool")


def connection_lost(exc: BaseException | None) -> bool:
    """The exception, or one it was raised from, says the database connection went away."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, _LOST):
            return True
        if isinstance(exc, asyncpg.exceptions.InterfaceError) and _BROKEN_CLIENT.search(str(exc)):
            return True
        if isinstance(exc, asyncpg.exceptions.InternalClientError):  # a protocol left mid-way
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False
