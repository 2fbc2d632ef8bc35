"""Ingesting tracked events: the service path against raw COPY and executemany, in one run.

    createdb -h 127.0.0.1 -U postgres h20_bench
    CRM_DATABASE_URL=postgres://postgres@127.0.0.1:5432/h20_bench \\
        .venv/bin/python -m bench.tracking_ingest --events 1000000

Each contender starts from an empty `tracked_events` (same indexes) and stores the same events:

- `copy`: asyncpg's COPY of ready rows (no checks, no idempotency): the floor.
- `executemany`: one prepared INSERT ... ON CONFLICT DO NOTHING per row, batched by asyncpg.
- `service`: services.tracking.ingest.track, batches of 500 as trackEvents takes them: every
  event checked, idempotent insert, visitor stitching, an audit row and an outbox event a batch.
- `graphql` (a sample, --http-events): trackEvents through the whole app in-process (HTTP
  parsing, GraphQL, the same service).

It prints events per second and each against COPY.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson

from auth.tokens import issue_token
from config import Settings
from models import Brand, Customer
from models.db import close_db, init_db, run_migrations
from resolvers.ids import decode_id, to_global_id
from server import create_app
from services.brands import brands
from services.common.actor import Actor
from services.tracking.ingest import Tracker, track
from services.tracking.validation import MAX_BATCH, RawEvent

NAMES = (
    ["page_view"] * 10 + ["product_view"] * 5 + ["add_to_cart"] * 2 + ["search", "checkout_started"]
)
SKUS = ["LATTE", "AMERICANO", "MATCHA", "CROISSANT", "BEANS", "MUG"]
CUSTOMERS = 2_000
COLUMNS = [
    "brand_id",
    "event_id",
    "name",
    "occurred_at",
    "received_at",
    "customer_id",
    "anonymous_id",
    "session_id",
    "store_id",
    "properties",
]


def make_events(count: int, customer_ids: list[int], seed: int = 11) -> list[dict[str, Any]]:
    """Events of the last 30 days: 70 % of known customers, 30 % of anonymous visitors."""
    r = random.Random(seed)
    now = datetime.now(UTC)
    out = []
    for n in range(count):
        name = r.choice(NAMES)
        properties: dict[str, Any] = {"path": f"/p/{r.randrange(500)}"}
        if name in ("product_view", "add_to_cart"):
            properties = {"sku": r.choice(SKUS), "price": 32.0}
        known = r.random() < 0.7
        out.append(
            {
                "event_id": f"ev-{seed}-{n}",
                "name": name,
                "occurred_at": now - timedelta(seconds=r.randrange(30 * 86400)),
                "customer_id": r.choice(customer_ids) if known else None,
                "anonymous_id": None if known else f"anon-{r.randrange(count // 20 + 1)}",
                "session_id": f"s-{n // 20}",
                "properties": properties,
            }
        )
    return out


async def _reset(conn: asyncpg.Connection) -> None:
    await conn.execute("TRUNCATE tracked_events, visitor_identities")
    await conn.execute("VACUUM ANALYZE tracked_events")


async def _copy(conn: asyncpg.Connection, brand_id: int, events: list[dict[str, Any]]) -> None:
    now = datetime.now(UTC)
    records = [
        (
            brand_id,
            e["event_id"],
            e["name"],
            e["occurred_at"],
            now,
            e["customer_id"],
            e["anonymous_id"],
            e["session_id"],
            None,
            orjson.dumps(e["properties"]).decode(),
        )
        for e in events
    ]
    for start in range(0, len(records), 50_000):
        await conn.copy_records_to_table(
            "tracked_events", records=records[start : start + 50_000], columns=COLUMNS
        )


async def _executemany(
    conn: asyncpg.Connection, brand_id: int, events: list[dict[str, Any]]
) -> None:
    now = datetime.now(UTC)
    statement = (
        f"INSERT INTO tracked_events ({', '.join(COLUMNS)}) VALUES"
        " ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb) ON CONFLICT DO NOTHING"
    )
    rows = [
        (
            brand_id,
            e["event_id"],
            e["name"],
            e["occurred_at"],
            now,
            e["customer_id"],
            e["anonymous_id"],
            e["session_id"],
            None,
            orjson.dumps(e["properties"]).decode(),
        )
        for e in events
    ]
    for start in range(0, len(rows), MAX_BATCH):
        await conn.executemany(statement, rows[start : start + MAX_BATCH])


def _raw(e: dict[str, Any]) -> RawEvent:
    return RawEvent(
        event_id=e["event_id"],
        name=e["name"],
        occurred_at=e["occurred_at"],
        customer_id=to_global_id("Customer", e["customer_id"]) if e["customer_id"] else None,
        anonymous_id=e["anonymous_id"],
        session_id=e["session_id"],
        properties=e["properties"],
    )


async def _service(brand_id: int, events: list[dict[str, Any]]) -> None:
    tracker = Tracker(Actor(brand_id, "app", "bench", "bench"))
    raws = [_raw(e) for e in events]
    for start in range(0, len(raws), MAX_BATCH):
        result = await track(tracker, raws[start : start + MAX_BATCH], decode_id)
        assert not result.errors, result.errors[:3]


async def _graphql(settings: Settings, brand: Brand, events: list[dict[str, Any]]) -> None:
    created = await brands.create_app(brand, "tracking bench", ["events:write"])
    scopes = frozenset({"events:write"})
    token = issue_token(settings, "app", created.app.id, brand.slug, scopes, 3600).token
    app = create_app(settings, manage_db=False)
    mutation = (
        "mutation($i: TrackEventsInput!) { trackEvents(input: $i) { accepted errors { code } } }"
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client,
    ):
        for start in range(0, len(events), MAX_BATCH):
            batch = [
                {
                    "eventId": e["event_id"],
                    "name": e["name"],
                    "occurredAt": e["occurred_at"].isoformat(),
                    "customerId": to_global_id("Customer", e["customer_id"])
                    if e["customer_id"]
                    else None,
                    "anonymousId": e["anonymous_id"],
                    "sessionId": e["session_id"],
                    "properties": e["properties"],
                }
                for e in events[start : start + MAX_BATCH]
            ]
            response = await client.post(
                "/graphql",
                json={"query": mutation, "variables": {"i": {"events": batch}}},
                headers={"authorization": f"Bearer {token}"},
            )
            assert response.json()["data"]["trackEvents"]["errors"] == [], response.text[:300]


async def _prepare(slug: str) -> tuple[Brand, list[int]]:
    brand = await Brand.get_or_none(slug=slug)
    if brand is None:
        brand = await brands.create_brand(slug, "Tracking bench")
    have = await Customer.filter(brand_id=brand.id).count()
    await Customer.bulk_create(
        [Customer(brand_id=brand.id, name=f"Visitor {n}") for n in range(have, CUSTOMERS)]
    )
    ids = await Customer.filter(brand_id=brand.id).order_by("id").limit(CUSTOMERS)
    return brand, [c.id for c in ids]


async def main(events: int, http_events: int) -> None:
    settings = Settings.from_env()
    url = settings.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set CRM_DATABASE_URL to a scratch PostgreSQL database")
    await run_migrations(url)
    await init_db(url)
    conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
    try:
        brand, customer_ids = await _prepare("tracking-bench")
        data = make_events(events, customer_ids)
        contenders: list[tuple[str, Any]] = [
            ("copy", lambda: _copy(conn, brand.id, data)),
            ("executemany", lambda: _executemany(conn, brand.id, data)),
            ("service", lambda: _service(brand.id, data)),
        ]
        if http_events:
            contenders.append(("graphql", lambda: _graphql(settings, brand, data[:http_events])))
        rates: dict[str, float] = {}
        for name, run in contenders:
            await _reset(conn)
            began = time.perf_counter()
            await run()
            seconds = time.perf_counter() - began
            stored = await conn.fetchval("SELECT COUNT(*) FROM tracked_events")
            count = http_events if name == "graphql" else events
            assert stored == count, (name, stored, count)
            rates[name] = count / seconds
            print(
                f"{name:12s} {count:>9,} events in {seconds:7.1f} s: {rates[name]:>9,.0f} events/s"
            )
        for name, rate in rates.items():
            print(f"{name:12s} {rate / rates['copy']:.3f}x of COPY")
        await _reset(conn)
    finally:
        await conn.close()
        await close_db()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--http-events", type=int, default=50_000)
    args = parser.parse_args()
    asyncio.run(main(args.events, args.http_events))
