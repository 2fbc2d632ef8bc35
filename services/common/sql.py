"""Raw SQL for set-based jobs, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

from models.rows import to_postgres as _postgres
from models.statements import execute_counting, fetch_rows


async def execute(sql: str, params: list[Any] | None = None) -> int:
    """Run one statement with `?` placeholders; returns the rows it touched."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        sql = _postgres(sql)
    return await execute_counting(conn, sql, params or [])


def for_dialect(sql: str) -> str:
    """`?` placeholders as the default connection's dialect wants them."""
    conn = Tortoise.get_connection("default")
    return _postgres(sql) if conn.capabilities.dialect == "postgres" else sql


def json_object(*pairs: str) -> str:
    """A JSON object built in SQL from alternating 'key' literals and expressions."""
    conn = Tortoise.get_connection("default")
    function = "jsonb_build_object" if conn.capabilities.dialect == "postgres" else "json_object"
    return f"{function}({', '.join(pairs)})"


async def fetch(
    sql: str, params: list[Any] | None = None, *, for_update: bool = False
) -> list[dict[str, Any]]:
    """Rows of one query with `?` placeholders, as dicts; `for_update` locks them on PostgreSQL
    (SQLite serialises its writers)."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        sql = _postgres(sql + " FOR UPDATE" if for_update else sql)
    return [dict(row) for row in await fetch_rows(conn, sql, params or [])]


def is_postgres() -> bool:
    return bool(Tortoise.get_connection("default").capabilities.dialect == "postgres")
