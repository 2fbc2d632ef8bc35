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

COUPONS = "  coupons(first: 10, status: ISSUED) { edges { node { id code expiresAt } } }\n"


def nested_query(with_coupons: bool = True) -> str:
    return (
        "query($first: Int) { customers(first: $first) { edges { node {\n"
        "  id name phone email\n"
        "  membership { memberNumber status tier { name rank } }\n"
        "  pointsTransactions(first: 10) { edges { node {\n"
        "    id kind amount balanceAfter reason createdAt } } }\n"
        + (COUPONS if with_coupons else "")
        + "} } } }"
    )


NESTED_QUERY = nested_query()


POOL_SIZE = 10  # bench.nested_read gives the ORM's pool the same size


def _gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


CUSTOMERS_SQL = (
    "SELECT id, name, phone, email FROM customers WHERE brand_id = $1 "
    "ORDER BY created_at DESC, id DESC LIMIT $2"
)
MEMBERSHIPS_SQL = (
    "SELECT m.customer_id, m.member_number, m.status, t.name, t.rank FROM memberships m "
    "LEFT JOIN tiers t ON t.id = m.tier_id AND t.brand_id = m.brand_id "
    "WHERE m.brand_id = $1 AND m.customer_id = ANY($2)"
)
TRANSACTIONS_SQL = (
    "SELECT id, customer_id, kind, amount, balance_after, reason, created_at FROM ("
    "SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY created_at DESC, id DESC) rn "
    "FROM points_transactions WHERE brand_id = $1 AND customer_id = ANY($2)) ranked "
    "WHERE rn <= $3 ORDER BY created_at DESC, id DESC"
)

ACTIVE_COUPONS_SQL = (
    "SELECT id, customer_id, code, expires_at FROM ("
    "SELECT *, ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY issued_at DESC, id DESC) rn "
    "FROM coupons WHERE brand_id = $1 AND customer_id = ANY($2) AND status = 'ISSUED' "
    "AND (expires_at IS NULL OR expires_at > now())) ranked "
    "WHERE rn <= $3 ORDER BY issued_at DESC, id DESC"
)


def _membership(row: asyncpg.Record | None) -> dict[str, Any] | None:
    if row is None:
        return None
    tier = {"name": row["name"], "rank": row["rank"]} if row["name"] is not None else None
    return {"memberNumber": row["member_number"], "status": row["status"], "tier": tier}


async def baseline_customers(request: Request) -> Response:
    pool: asyncpg.Pool = request.app.state.pool
    brand_slug = request.query_params.get("brand", "bench")
    first = min(int(request.query_params.get("first", "20")), 100)
    with_coupons = request.query_params.get("coupons", "1") == "1"
    body = await customers_page(pool, brand_slug, first, with_coupons)
    return Response(orjson.dumps(body), media_type="application/json")


async def customers_page(
    pool: asyncpg.Pool, brand_slug: str, first: int, with_coupons: bool
) -> dict[str, Any]:
    async with pool.acquire() as conn:
        brand = await conn.fetchrow("SELECT id, timezone FROM brands WHERE slug = $1", brand_slug)
        zone = ZoneInfo(brand["timezone"])
        rows = await conn.fetch(CUSTOMERS_SQL, brand["id"], first)
        ids = [r["id"] for r in rows]
        members = {r["customer_id"]: r for r in await conn.fetch(MEMBERSHIPS_SQL, brand["id"], ids)}
        ledger: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in await conn.fetch(TRANSACTIONS_SQL, brand["id"], ids, 10):
            node = {
                "id": _gid("PointsTransaction", r["id"]),
                "kind": r["kind"],
                "amount": r["amount"],
                "balanceAfter": r["balance_after"],
                "reason": r["reason"],
                "createdAt": r["created_at"].astimezone(zone).isoformat(),
            }
            ledger[r["customer_id"]].append({"node": node})
        coupons: dict[int, list[dict[str, Any]]] = defaultdict(list)
        active = await conn.fetch(ACTIVE_COUPONS_SQL, brand["id"], ids, 10) if with_coupons else []
        for r in active:
            expires = r["expires_at"]
            node = {
                "id": _gid("Coupon", r["id"]),
                "code": r["code"],
                "expiresAt": expires.astimezone(zone).isoformat() if expires else None,
            }
            coupons[r["customer_id"]].append({"node": node})
    edges: list[dict[str, Any]] = []
    for r in rows:
        node = {
            "id": _gid("Customer", r["id"]),
            "name": r["name"],
            "phone": r["phone"],
            "email": r["email"],
            "membership": _membership(members.get(r["id"])),
            "pointsTransactions": {"edges": ledger[r["id"]]},
        }
        if with_coupons:
            node["coupons"] = {"edges": coupons[r["id"]]}
        edges.append({"node": node})
    return {"data": {"customers": {"edges": edges}}}


def create_bench_app() -> Starlette:
    settings = Settings.from_env()
    crm = create_app(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = settings.database_url.replace("postgres://", "postgresql://", 1).split("?")[0]
        app.state.pool = await asyncpg.create_pool(url, min_size=2, max_size=POOL_SIZE)
        async with crm.router.lifespan_context(crm):
            yield
        await app.state.pool.close()

    return Starlette(
        routes=[Route("/baseline/customers", baseline_customers), Mount("/", crm)],
        lifespan=lifespan,
    )
