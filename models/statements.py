"""Statements sent straight to a PostgreSQL transaction's asyncpg connection.

Inside a transaction the ORM's client runs each statement through two exception-translating
wrappers, a connection wrapper object, a lock, a debug log call and a copy of every row into a
dict: about 17 microseconds a statement, an eighth of a small statement's whole cost, and a
points award sends eleven. These helpers take the transaction's own lock (statements of one
transaction may be started concurrently, and asyncpg runs one at a time), send the statement,
and translate asyncpg's errors into the ORM's exceptions exactly as its client does. Outside a
transaction, and on SQLite, they are the ORM client's own calls.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import TransactionWrapper
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError

WRITES = frozenset({"INSERT", "UPDATE", "DELETE"})


async def fetch_rows(
    conn: BaseDBAsyncClient, sql: str, params: list[Any]
) -> Sequence[Mapping[str, Any]]:
    """The rows a query returns (asyncpg's records on PostgreSQL)."""
    if isinstance(conn, TransactionWrapper) and conn._connection is not None:
        async with conn._lock:
            try:
                return await conn._connection.fetch(sql, *params)  # type: ignore[no-any-return]
            except asyncpg.PostgresError as exc:
                _raise_translated(exc)
                raise
    if sql.lstrip()[:6].upper() in WRITES:  # the client's execute_query would drop RETURNING
        return await conn.execute_query_dict(sql, params)
    _, rows = await conn.execute_query(sql, params)
    return rows


async def execute_counting(conn: BaseDBAsyncClient, sql: str, params: list[Any]) -> int:
    """Runs an INSERT, UPDATE or DELETE; the number of rows it touched."""
    if isinstance(conn, TransactionWrapper) and conn._connection is not None:
        async with conn._lock:
            try:
                status = await conn._connection.execute(sql, *params)
            except asyncpg.PostgresError as exc:
                _raise_translated(exc)
                raise
        count = status.rpartition(" ")[2]  # "UPDATE 3", "INSERT 0 1"
        return int(count) if count.isdigit() else 0
    count, _ = await conn.execute_query(sql, params)
    return int(count or 0)


def _raise_translated(exc: asyncpg.PostgresError) -> None:
    """Raises what tortoise's asyncpg client raises for the error (`_translate_exceptions`);
    returns for errors it lets through."""
    if isinstance(exc, asyncpg.SyntaxOrAccessError | asyncpg.exceptions.DataError):
        raise OperationalError(exc) from exc
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        raise IntegrityError(exc) from exc
    if isinstance(exc, asyncpg.InvalidTransactionStateError):
        raise TransactionManagementError(exc) from exc
