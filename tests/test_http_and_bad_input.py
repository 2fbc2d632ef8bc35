from __future__ import annotations

import asyncio

import httpx
import pytest

from config import Settings
from models import AuditEntry, Customer
from services.brands import brands as brand_service
from tests.conftest import TEST_REDIS_URL
from tests.support import GraphQL, app_token, error_codes, make_brand


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    checks = ready.json()["checks"]
    assert checks["database"] == "ok"
    if TEST_REDIS_URL:
        assert checks["redis"] == "ok"


async def test_readiness_fails_when_redis_is_unreachable(settings: Settings) -> None:
    from dataclasses import replace

    from server import create_app

    broken = replace(settings, redis_url="redis://127.0.0.1:1/0")
    transport = httpx.ASGITransport(app=create_app(broken, manage_db=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("error")


async def test_malformed_json_is_a_400_and_server_keeps_serving(
    http: httpx.AsyncClient, gql: GraphQL
) -> None:
    response = await http.post(
        "/graphql",
        content=b'{"query": "{ brand(slug: ',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    await make_brand()
    assert (await gql.data('{ brand(slug: "acme") { slug } }'))["brand"] == {"slug": "acme"}


async def test_unknown_field_and_wrong_type_are_validation_errors(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    unknown = await gql.post("{ customers { edges { node { shoeSize } } } }", token=token)
    assert "shoeSize" in unknown["errors"][0]["message"]
    wrong = await gql.post(
        "mutation { createCustomer(input: {name: 42}) { errors { code } } }", token=token
    )
    assert wrong["data"] is None and wrong["errors"]
    unknown_input = await gql.post(
        'mutation { createCustomer(input: {name: "A", shoeSize: 4}) { errors { code } } }',
        token=token,
    )
    assert unknown_input["data"] is None
    assert await Customer.all().count() == 0


async def test_queries_over_get_but_not_mutations(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    await make_brand()
    ok = await http.get("/graphql", params={"query": '{ brand(slug: "acme") { name } }'})
    assert ok.json()["data"] == {"brand": {"name": "Acme"}}
    refused = await http.get(
        "/graphql",
        params={
            "query": 'mutation { login(input: {brand: "a", email: "b", password: "c"}) { token } }'
        },
    )
    assert refused.status_code in (400, 405)


async def test_unknown_brand_is_null(gql: GraphQL) -> None:
    assert (await gql.data('{ brand(slug: "nope") { name } }'))["brand"] is None


async def test_alias_flood_is_refused_before_execution(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    nested = "query { viewer { kind } " + " ".join(f"a{i}: viewer {{ kind }}" for i in range(60))
    body = await gql.post(nested + " }", token=token)
    assert body.get("data") is None
    assert "aliases" in body["errors"][0]["message"]


async def test_unexpected_errors_are_masked_with_the_request_id(
    http: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(slug: str) -> None:
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(brand_service, "get_brand", broken)
    response = await http.post(
        "/graphql",
        json={"query": '{ brand(slug: "x") { name } }'},
        headers={"x-request-id": "req-123"},
    )
    error = response.json()["errors"][0]
    assert "hunter2" not in response.text
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-123"}
    assert response.headers["x-request-id"] == "req-123"


async def test_concurrent_duplicates_create_exactly_one_customer(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    mutation = """mutation($name: String!) { createCustomer(input: {name: $name,
        phone: "+86 138 0013 8000"}) { customer { id } errors { code } } }"""
    results = await asyncio.gather(
        *(gql.data(mutation, {"name": f"Racer {i}"}, token) for i in range(12))
    )
    payloads = [r["createCustomer"] for r in results]
    winners = [p for p in payloads if p["customer"]]
    assert len(winners) == 1
    assert all(p["errors"] == [{"code": "DUPLICATE"}] for p in payloads if not p["customer"])
    assert await Customer.filter(phone="+8613800138000").count() == 1
    assert await AuditEntry.filter(operation="createCustomer").count() == 1


async def test_bad_global_ids(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.post('{ customer(id: "%%%") { id } }', token=token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    other_type = await gql.data(
        'mutation { deleteCustomer(input: {id: "U3RhZmZVc2VyOjE="}) { errors { field code } } }',
        token=token,
    )
    assert other_type["deleteCustomer"]["errors"] == [{"field": "id", "code": "INVALID"}]


async def test_update_brand_branding(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.data(
        """mutation { updateBrand(input: {displayName: "ACME Coffee", primaryColor: "#112233",
             timezone: "Europe/Paris", defaultPhoneRegion: "fr"}) {
             brand { displayName primaryColor timezone defaultPhoneRegion } errors { code } } }""",
        token=token,
    )
    assert body["updateBrand"]["brand"] == {
        "displayName": "ACME Coffee",
        "primaryColor": "#112233",
        "timezone": "Europe/Paris",
        "defaultPhoneRegion": "FR",
    }
    bad = await gql.data(
        """mutation { updateBrand(input: {primaryColor: "red", timezone: "Mars/Base",
             displayName: "Changed"}) { brand { displayName } errors { field code } } }""",
        token=token,
    )
    assert {(e["field"], e["code"]) for e in bad["updateBrand"]["errors"]} == {
        ("primaryColor", "INVALID"),
        ("timezone", "INVALID"),
    }
    public = await gql.data('{ brand(slug: "acme") { displayName } }')
    assert public["brand"]["displayName"] == "ACME Coffee"
