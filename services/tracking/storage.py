"""Writing tracked events and visitor links: one statement per batch, whatever its size.

On PostgreSQL a batch goes in as arrays (`unnest`), so 500 events cost one round trip and one
plan; on SQLite as one multi-row VALUES. Duplicates of an earlier `(brand_id, event_id)` are
skipped by the unique index (`ON CONFLICT DO NOTHING`), which makes ingestion idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from models.analytics import TrackedEvent
from services.common import sql
from services.common.recent import newest_per_group
from services.tracking.validation import CleanEvent

COLUMNS = (
    "brand_id, event_id, name, occurred_at, received_at, customer_id, anonymous_id,"
    " session_id, store_id, properties"
)
_POSTGRES_INSERT = (
    f"INSERT INTO tracked_events ({COLUMNS})"
    " SELECT ?, e, n, o, ?, c, a, s, st, p::jsonb FROM unnest("
    "CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS TIMESTAMPTZ[]), CAST(? AS BIGINT[]),"
    " CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]))"
    " AS t(e, n, o, c, a, s, st, p) ON CONFLICT (brand_id, event_id) DO NOTHING"
)


async def insert_events(brand_id: int, events: Sequence[CleanEvent], received: datetime) -> int:
    """Store the events; returns how many were new (the rest were stored before)."""
    if not events:
        return 0
    if sql.is_postgres():
        columns: list[list[object]] = [[] for _ in range(8)]
        for e in events:
            values = (
                e.event_id,
                e.name,
                e.occurred_at,
                e.customer_id,
                e.anonymous_id,
                e.session_id,
                e.store_id,
                e.properties,
            )
            for column, value in zip(columns, values, strict=True):
                column.append(value)
        return await sql.execute(_POSTGRES_INSERT, [brand_id, received, *columns])
    rows = ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in events)
    params: list[object] = []
    for e in events:
        params += [
            brand_id,
            e.event_id,
            e.name,
            e.occurred_at,
            received,
            e.customer_id,
            e.anonymous_id,
            e.session_id,
            e.store_id,
            e.properties,
        ]
    statement = f"INSERT INTO tracked_events ({COLUMNS}) VALUES {rows} ON CONFLICT DO NOTHING"
    return await sql.execute(statement, params)


async def known_links(brand_id: int, anonymous_ids: Sequence[str]) -> dict[str, int]:
    """The customer each of these visitor ids was linked to earlier, if any."""
    if not anonymous_ids:
        return {}
    marks = ", ".join("?" for _ in anonymous_ids)
    found = await sql.fetch(
        "SELECT anonymous_id, customer_id FROM visitor_identities"
        f" WHERE brand_id = ? AND anonymous_id IN ({marks})",
        [brand_id, *anonymous_ids],
    )
    return {str(r["anonymous_id"]): int(r["customer_id"]) for r in found}


async def link_visitor(brand_id: int, anonymous_id: str, customer_id: int, now: datetime) -> int:
    """Remember that the visitor is this customer and give them their earlier anonymous events.

    A visitor id already linked keeps its first customer. Returns the events stitched."""
    added = await sql.execute(
        "INSERT INTO visitor_identities (brand_id, anonymous_id, customer_id, linked_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (brand_id, anonymous_id) DO NOTHING",
        [brand_id, anonymous_id, customer_id, now],
    )
    if not added:
        return 0
    return await sql.execute(
        "UPDATE tracked_events SET customer_id = ?"
        " WHERE brand_id = ? AND anonymous_id = ? AND customer_id IS NULL",
        [customer_id, brand_id, anonymous_id],
    )


async def newest_events(brand_id: int, customer_ids: list[int], limit: int) -> list[TrackedEvent]:
    """Each customer's `limit` newest tracked events, newest first."""
    query = newest_per_group(
        TrackedEvent, "customer_id", brand_id, customer_ids, limit, order_column="occurred_at"
    )
    return await query.order_by("-occurred_at", "-id")
