"""Cost limits, rate limits, persisted queries, batches and body size: refused early."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from config import Settings
from server import create_app
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, error_codes, make_brand

SMALL = "{ customers(first: 10) { edges { node { name } } } }"


@pytest.fixture
async def strict(settings: Settings) -> AsyncIterator[tuple[Settings, httpx.AsyncClient]]:
    tight = replace(
        settings,
        rate_limit_per_second=0.01,  # no refill within a test, however slow the machine
        rate_limit_burst=40.0,
        max_query_cost=500,
        max_body_bytes=20_000,
        max_batch_operations=3,
    )
    app = create_app(tight, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield tight, client


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


async def test_cost_is_reported_and_counts_page_sizes(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.post(SMALL, token=token)
    # customers 1 + 10 x (edges 1 + node 1 + name 1)
    assert body["extensions"]["cost"]["requestedQueryCost"] == 31
    by_variable = "query($n: Int) { customers(first: $n) { edges { node { name } } } }"
    # The same parsed document each time (the parser cache): its cost follows the variable.
    for n, cost in ((50, 151), (2, 7), (50, 151), (None, 61)):
        body = await gql.post(by_variable, {"n": n}, token)
        assert body["extensions"]["cost"]["requestedQueryCost"] == cost, n


async def test_too_complex_query_is_refused_before_execution(
    strict: tuple[Settings, httpx.AsyncClient],
) -> None:
    settings, client = strict
    token = await app_token(settings, await make_brand())
    query = "{ customers(first: 100) { edges { node { name notes(first: 100) { body } } } } }"
    response = await client.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
    )
    body = response.json()
    assert body["data"] is None
    assert error_codes(body) == ["QUERY_TOO_COMPLEX"]
    assert body["errors"][0]["extensions"]["cost"] > 500


async def test_rate_limit_per_app_with_retry_after(
    strict: tuple[Settings, httpx.AsyncClient],
) -> None:
    settings, client = strict
    brand = await make_brand()
    flooding, other = await app_token(settings, brand), await app_token(settings, brand)
    statuses = []
    for _ in range(3):
        response = await client.post(
            "/graphql", json={"query": SMALL}, headers={"Authorization": f"Bearer {flooding}"}
        )
        statuses.append(response.status_code)
    assert statuses[0] == 200
    assert statuses[-1] == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert error_codes(response.json()) == ["RATE_LIMITED"]
    served = await client.post(
        "/graphql", json={"query": SMALL}, headers={"Authorization": f"Bearer {other}"}
    )
    assert served.status_code == 200 and served.json()["data"]["customers"]["edges"] == []


async def test_automatic_persisted_queries(
    gql: GraphQL, http: httpx.AsyncClient, settings: Settings
) -> None:
    token_a = await app_token(settings, await make_brand("brand-a"))
    token_b = await app_token(settings, await make_brand("brand-b"))
    query = "{ customers(first: 3) { totalCount } }"
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": sha(query)}}

    async def send(token: str, body: dict[str, object]) -> dict[str, object]:
        response = await http.post(
            "/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        result: dict[str, object] = response.json()
        return result

    missing = await send(token_a, {"extensions": persisted})
    assert error_codes(missing) == ["PERSISTED_QUERY_NOT_FOUND"]
    registered = await send(token_a, {"query": query, "extensions": persisted})
    assert registered["data"] == {"customers": {"totalCount": 0}}
    by_hash = await send(token_a, {"extensions": persisted})
    assert by_hash["data"] == {"customers": {"totalCount": 0}}
    other_brand = await send(token_b, {"extensions": persisted})
    assert error_codes(other_brand) == ["PERSISTED_QUERY_NOT_FOUND"]
    wrong = await send(token_a, {"query": "{ viewer { kind } }", "extensions": persisted})
    assert error_codes(wrong) == ["INVALID_PERSISTED_QUERY_HASH"]


async def test_batches_are_capped(strict: tuple[Settings, httpx.AsyncClient]) -> None:
    _, client = strict
    await make_brand()
    one = {"query": '{ brand(slug: "acme") { name } }'}
    ok = await client.post("/graphql", json=[one, one])
    assert [item["data"] for item in ok.json()] == [{"brand": {"name": "Acme"}}] * 2
    too_many = await client.post("/graphql", json=[one] * 4)
    assert too_many.status_code == 400


async def test_oversized_bodies_are_refused(strict: tuple[Settings, httpx.AsyncClient]) -> None:
    _, client = strict
    huge = "{ " + "a: __typename " * 2_000 + "}"
    response = await client.post("/graphql", json={"query": huge})
    assert response.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(30):
            yield b" " * 1_000

    streamed = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert streamed.status_code == 413
    health = await client.get("/healthz")
    assert health.status_code == 200


async def test_introspection_and_graphiql_can_be_turned_off(settings: Settings) -> None:
    production = replace(settings, introspection=False, graphiql=False)
    app = create_app(production, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        body = await client.post("/graphql", json={"query": "{ __schema { types { name } } }"})
        assert body.json()["data"] is None
        page = await client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 404


# The "Bad input" list: each is refused before any resolver runs.


def resolver_statements(statements: list[str]) -> list[str]:
    """Statements beyond authentication (brand, revoked jti, app row)."""
    auth_tables = ('"brands"', "token_revocations")
    return [s for s in statements if not any(table in s for table in auth_tables)]


async def test_ten_megabyte_query_is_refused_unread(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    huge = "{ " + "customers { totalCount } " * 420_000 + "}"
    assert len(huge) > 10_000_000
    with count_statements() as statements:
        response = await http.post(
            "/graphql", json={"query": huge}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 413
    assert error_codes(response.json()) == ["PAYLOAD_TOO_LARGE"]
    assert statements == []  # not even authentication ran


async def test_query_nested_100_levels_is_refused_before_execution(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    deep = "{ viewer " + "{ kind " * 100 + "}" * 100 + " }"
    with count_statements() as statements:
        response = await http.post(
            "/graphql", json={"query": deep}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert body["data"] is None
    assert any("exceeds maximum operation depth" in e["message"] for e in body["errors"])
    assert resolver_statements(statements) == []


async def test_ten_thousand_aliases_are_refused_while_parsing(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    aliases = "{ " + " ".join(f"a{i}: customers {{ totalCount }}" for i in range(10_000)) + " }"
    with count_statements() as statements:
        response = await http.post(
            "/graphql", json={"query": aliases}, headers={"Authorization": f"Bearer {token}"}
        )
    body = response.json()
    assert body["data"] is None
    assert "more than 4000 tokens" in body["errors"][0]["message"]
    assert resolver_statements(statements) == []


async def test_flood_from_one_app_leaves_other_apps_served(
    strict: tuple[Settings, httpx.AsyncClient],
) -> None:
    settings, client = strict
    brand = await make_brand("flooded")  # buckets outlive a test in Redis: fresh keys
    flooding, other = await app_token(settings, brand), await app_token(settings, brand)

    async def ask(token: str) -> httpx.Response:
        return await client.post(
            "/graphql", json={"query": SMALL}, headers={"Authorization": f"Bearer {token}"}
        )

    with count_statements() as statements:
        flood = await asyncio.gather(*(ask(flooding) for _ in range(40)))
    statuses = [r.status_code for r in flood]
    assert statuses.count(200) == 1  # burst 40 points, each query costs 31
    assert statuses.count(429) == 39
    assert all(int(r.headers["Retry-After"]) >= 1 for r in flood if r.status_code == 429)
    customer_reads = [s for s in resolver_statements(statements) if '"customers"' in s]
    assert len(customer_reads) <= 2  # the one admitted request's page and count
    served = await ask(other)
    assert served.status_code == 200 and served.json()["data"]["customers"]["edges"] == []
