"""Helpers for the onboarding tests (bulk, upsert, dry runs, imports): a snapshot of every
table's row count, the outbox included, to prove that something wrote nothing."""

from __future__ import annotations

import asyncio

from tortoise import Tortoise

from models.events import OutboxEvent

# Rows the background machinery may write while a test runs, whatever the test does.
MACHINERY = {"jobs"}


async def settled() -> None:
    """Wait until the relay has moved every committed event on (webhook deliveries queued), so
    that counts taken next do not move under the test by themselves."""
    for _ in range(200):
        if not await OutboxEvent.filter(published_at__isnull=True).exists():
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the relay did not publish the outbox")


async def table_counts() -> dict[str, int]:
    await settled()
    conn = Tortoise.get_connection("default")
    counts: dict[str, int] = {}
    for app in (Tortoise.apps or {}).values():
        for model in app.values():
            table = model._meta.db_table
            if table and table not in MACHINERY:
                rows = await conn.execute_query_dict(f'SELECT COUNT(*) AS n FROM "{table}"')
                counts[table] = int(rows[0]["n"])
    return counts


async def assert_unchanged(before: dict[str, int]) -> None:
    await asyncio.sleep(0.05)  # time for a wrongly kept event to reach the relay
    after = await table_counts()
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert not changed, f"tables changed: {changed}"
