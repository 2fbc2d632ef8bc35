"""Statements sent straight to the asyncpg connection of a transaction or a pinned read.

Inside a transaction the ORM's client runs each statement through two exception-translating
wrappers, a connection wrapper object, a lock and a copy of every row into a dict: about 17
microseconds a statement, an eighth of a small statement's whole cost, and a points award
sends eleven. These helpers take their turn on the connection (`acquire_connection`: its lock,
since statements of one transaction or one read, `models/pinned`, may be started concurrently
and asyncpg runs one at a time), log the statement as the client does (statement counts read
that log), send it, and translate asyncpg's errors into the ORM's exceptions exactly as its
client does. Outside a transaction, and on SQLite, they are the ORM client's own calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError

from models.pg_client import CRMAsyncpgClient

WRITES = frozenset({"INSERT", "UPDATE", "DELETE"})


async def fetch_rows(
    conn: BaseDBAsyncClient, sql: str, params: list[Any]
) -> Sequence[Mapping[str, Any]]:
    """The rows a query returns (asyncpg's records on PostgreSQL)."""
    if _on_one_connection(conn):
        async with conn.acquire_connection() as connection:
            conn.log.debug("%s: %s", sql, params)  # as the client logs it (statement counts)
            try:
                return await connection.fetch(sql, *params)  # type: ignore[no-any-return]
            except asyncpg.PostgresError as exc:
                _raise_translated(exc)
                raise
    if sql.lstrip()[:6].upper() in WRITES:  # the client's execute_query would drop RETURNING
        return await conn.execute_query_dict(sql, params)
    _, rows = await conn.execute_query(sql, params)
    return rows


async def execute_counting(conn: BaseDBAsyncClient, sql: str, params: list[Any]) -> int:
    """Runs an INSERT, UPDATE or DELETE; the number of rows it touched."""
    if _on_one_connection(conn):
        async with conn.acquire_connection() as connection:
            conn.log.debug("%s: %s", sql, params)
            try:
                status = await connection.execute(sql, *params)
            except asyncpg.PostgresError as exc:
                _raise_translated(exc)
                raise
        count = status.rpartition(" ")[2]  # "UPDATE 3", "INSERT 0 1"
        return int(count) if count.isdigit() else 0
    count, _ = await conn.execute_query(sql, params)
    return int(count or 0)


def _on_one_connection(conn: BaseDBAsyncClient) -> bool:
    """PostgreSQL, inside a transaction or a pinned read: `acquire_connection()` gives its
    asyncpg connection, one statement at a time."""
    return isinstance(conn, CRMAsyncpgClient) and (
        isinstance(conn, TransactionalDBClient) or conn.request_connection() is not None
    )


def _raise_translated(exc: asyncpg.PostgresError) -> None:
    """Raises what tortoise's asyncpg client raises for the error (`_translate_exceptions`);
    returns for errors it lets through."""
    if isinstance(exc, asyncpg.SyntaxOrAccessError | asyncpg.exceptions.DataError):
        raise OperationalError(exc) from exc
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        raise IntegrityError(exc) from exc
    if isinstance(exc, asyncpg.InvalidTransactionStateError):
        raise TransactionManagementError(exc) from exc
