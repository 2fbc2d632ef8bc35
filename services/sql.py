"""Raw SQL for set-based jobs, written once for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise


def _postgres(sql: str) -> str:
    parts = sql.split("?")
    out = parts[0]
    for i, part in enumerate(parts[1:], start=1):
        out += f"${i}{part}"
    return out


async def execute(sql: str, params: list[Any] | None = None) -> int:
    """Run one statement with `?` placeholders; returns the rows it touched."""
    conn = Tortoise.get_connection("default")
    if conn.capabilities.dialect == "postgres":
        sql = _postgres(sql)
    count, _ = await conn.execute_query(sql, params or [])
    return int(count or 0)
