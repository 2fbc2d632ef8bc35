"""How much of the PostgreSQL connection pool is lent out, for the metrics."""

from __future__ import annotations

from tortoise import Tortoise


def pool_usage() -> tuple[int, int] | None:
    """(connections in use, connections open) of the default connection's asyncpg pool; None on
    SQLite or before the pool opens. Tortoise keeps the pool in a private attribute, read here
    only (as models/pinned.py does)."""
    try:
        client = Tortoise.get_connection("default")
    except Exception:  # not initialised: nothing to report
        return None
    pool = getattr(client, "_pool", None)
    if pool is None or not hasattr(pool, "get_idle_size"):
        return None
    size = pool.get_size()
    return size - pool.get_idle_size(), size
