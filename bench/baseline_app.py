"""The CRM app plus a hand-written endpoint answering the benchmark's nested read.

`uvicorn bench.baseline_app:create_bench_app --factory`. `/baseline/customers?first=N` runs the
same data through plain asyncpg and orjson and returns the same JSON as the GraphQL query in
bench/nested_read.py, so the two can be compared on one server.
"""

from __future__ import annotations

import base64
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from config import Settings
from server import create_app

NESTED_QUERY = """query($first: Int) { customers(first: $first) { edges { node {
  id name phone email tags externalIds { system externalId } notes(first: 10) { body createdAt }
} } } }"""


def _gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


async def baseline_customers(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    brand_slug = request.query_params.get("brand", "bench")
    first = min(int(request.query_params.get("first", "20")), 100)
    async with pool.acquire() as conn:
        brand = await conn.fetchrow("SELECT id, timezone FROM brands WHERE slug = $1", brand_slug)
        zone = ZoneInfo(brand["timezone"])
        rows = await conn.fetch(
            "SELECT id, name, phone, email FROM customers WHERE brand_id = $1 "
            "ORDER BY created_at DESC, id DESC LIMIT $2",
            brand["id"],
            first,
        )
        ids = [r["id"] for r in rows]
        tags, external, notes = defaultdict(list), defaultdict(list), defaultdict(list)
        for r in await conn.fetch(
            "SELECT customer_id, tag FROM customer_tags WHERE brand_id = $1 "
            "AND customer_id = ANY($2) ORDER BY tag",
            brand["id"],
            ids,
        ):
            tags[r["customer_id"]].append(r["tag"])
        for r in await conn.fetch(
            "SELECT customer_id, system, external_id FROM customer_external_ids "
            "WHERE brand_id = $1 AND customer_id = ANY($2) ORDER BY system",
            brand["id"],
            ids,
        ):
            external[r["customer_id"]].append(
                {"system": r["system"], "externalId": r["external_id"]}
            )
        for r in await conn.fetch(
            "SELECT customer_id, body, created_at FROM (SELECT *, ROW_NUMBER() OVER "
            "(PARTITION BY customer_id ORDER BY created_at DESC, id DESC) rn "
            "FROM customer_notes WHERE brand_id = $1 AND customer_id = ANY($2)) ranked "
            "WHERE rn <= 10 ORDER BY created_at DESC, id DESC",
            brand["id"],
            ids,
        ):
            notes[r["customer_id"]].append(
                {"body": r["body"], "createdAt": r["created_at"].astimezone(zone).isoformat()}
            )
    edges: list[dict[str, Any]] = [
        {
            "node": {
                "id": _gid("Customer", r["id"]),
                "name": r["name"],
                "phone": r["phone"],
                "email": r["email"],
                "tags": tags[r["id"]],
                "externalIds": external[r["id"]],
                "notes": notes[r["id"]],
            }
        }
        for r in rows
    ]
    body = {"data": {"customers": {"edges": edges}}}
    return Response(orjson.dumps(body), media_type="application/json")


def create_bench_app() -> Starlette:
    settings = Settings.from_env()
    crm = create_app(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = settings.database_url.replace("postgres://", "postgresql://", 1)
        app.state.pool = await asyncpg.create_pool(url, min_size=2, max_size=10)
        async with crm.router.lifespan_context(crm):
            yield
        await app.state.pool.close()

    return Starlette(
        routes=[Route("/baseline/customers", baseline_customers), Mount("/", crm)],
        lifespan=lifespan,
    )
