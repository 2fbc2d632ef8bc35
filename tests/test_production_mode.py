"""Production mode (issue 25, section 8): no anonymous introspection and no "Did you mean"
hints for anonymous callers; a token (or CRM_ANONYMOUS_INTROSPECTION=true) brings them back."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import pytest
from graphql import get_introspection_query

from config import Settings
from server import create_app
from tests.support import app_token, error_codes, make_brand

INTROSPECTION = "{ __schema { queryType { name } } }"
TYPE_QUERY = '{ __type(name: "Customer") { name } }'
TYPO = "{ nodes(id: 1) { id } }"
ENUM_TYPO = "{ customers(orderBy: {field: NAMES}) { totalCount } }"


def production_settings(settings: Settings, **overrides: object) -> Settings:
    env = Settings.from_env({"CRM_ENV": "production", "CRM_DATABASE_URL": settings.database_url})
    changes: dict[str, object] = {
        "environment": env.environment,
        "anonymous_introspection": env.anonymous_introspection,
        **overrides,
    }
    return dataclasses.replace(settings, **changes)  # type: ignore[arg-type]


@pytest.fixture
async def production(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(production_settings(settings, jobs_runner=False), manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


async def post(
    http: httpx.AsyncClient, query: str, token: str | None = None, **headers: str
) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return await http.post("/graphql", json={"query": query}, headers=headers)


def test_production_mode_turns_anonymous_introspection_off_by_default() -> None:
    development = Settings.from_env({"CRM_DATABASE_URL": "sqlite://:memory:"})
    assert development.environment == "development" and development.anonymous_introspection
    production = Settings.from_env(
        {"CRM_DATABASE_URL": "sqlite://:memory:", "CRM_ENV": "production"}
    )
    assert production.environment == "production" and not production.anonymous_introspection
    turned_on = Settings.from_env(
        {
            "CRM_DATABASE_URL": "sqlite://:memory:",
            "CRM_ENV": "production",
            "CRM_ANONYMOUS_INTROSPECTION": "true",
        }
    )
    assert turned_on.anonymous_introspection
    with pytest.raises(ValueError, match="CRM_ENV"):
        Settings.from_env({"CRM_DATABASE_URL": "sqlite://:memory:", "CRM_ENV": "prod"})


@pytest.mark.parametrize("query", [INTROSPECTION, TYPE_QUERY])
async def test_anonymous_introspection_is_refused_in_production(
    production: httpx.AsyncClient, query: str
) -> None:
    response = await post(production, query)
    body = response.json()
    assert error_codes(body) == ["INTROSPECTION_DISABLED"], body
    assert body["data"] is None
    # The same through the view (a batch) and over GET.
    batch = await production.post("/graphql", json=[{"query": query}])
    assert error_codes(batch.json()[0]) == ["INTROSPECTION_DISABLED"]
    over_get = await production.get("/graphql", params={"query": query})
    assert error_codes(over_get.json()) == ["INTROSPECTION_DISABLED"]


async def test_anonymous_callers_still_get_typename_and_public_fields(
    production: httpx.AsyncClient,
) -> None:
    await make_brand()
    body = (await post(production, '{ __typename brand(slug: "acme") { slug } }')).json()
    assert body["data"] == {"__typename": "Query", "brand": {"slug": "acme"}}


async def test_a_token_introspects_in_production(
    production: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand(), "customers:read")
    body = (await post(production, INTROSPECTION, token)).json()
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}, body
    typed = (await post(production, TYPE_QUERY, token)).json()
    assert typed["data"] == {"__type": {"name": "Customer"}}


async def test_a_bad_token_is_anonymous(production: httpx.AsyncClient) -> None:
    body = (await post(production, INTROSPECTION, "not-a-token")).json()
    assert error_codes(body) == ["INTROSPECTION_DISABLED"]


async def test_no_suggestions_for_anonymous_callers_in_production(
    production: httpx.AsyncClient, settings: Settings
) -> None:
    for query in (TYPO, ENUM_TYPO):
        anonymous = (await post(production, query)).json()
        assert anonymous["errors"], anonymous
        assert not any("Did you mean" in e["message"] for e in anonymous["errors"]), anonymous
    token = await app_token(settings, await make_brand(), "customers:read")
    with_token = (await post(production, TYPO, token)).json()
    assert any("Did you mean 'node'" in e["message"] for e in with_token["errors"]), with_token


async def test_variables_get_no_suggestions_either(production: httpx.AsyncClient) -> None:
    response = await production.post(
        "/graphql",
        json={
            "query": "query($o: CustomerOrder) { customers(orderBy: $o) { totalCount } }",
            "variables": {"o": {"field": "NAMES"}},
        },
    )
    body = response.json()
    assert body["errors"], body
    assert not any("Did you mean" in e["message"] for e in body["errors"]), body


async def test_development_keeps_introspection_and_suggestions(
    http: httpx.AsyncClient,
) -> None:
    body = (await post(http, INTROSPECTION)).json()
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}
    typo = (await post(http, TYPO)).json()
    assert any("Did you mean 'node'" in e["message"] for e in typo["errors"])


async def test_the_setting_turns_anonymous_introspection_back_on(settings: Settings) -> None:
    app = create_app(
        production_settings(settings, jobs_runner=False, anonymous_introspection=True),
        manage_db=False,
    )
    async with (
        app.router.lifespan_context(app),  # closes its Redis clients
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        body = (await post(client, INTROSPECTION)).json()
    assert body["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_graphiql_with_a_token_keeps_working_in_production(
    production: httpx.AsyncClient, settings: Settings
) -> None:
    page = await production.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    token = await app_token(settings, await make_brand(), "customers:read")
    # GraphiQL's own schema query (the full introspection document), with the pasted token.
    full = (await post(production, get_introspection_query(), token)).json()
    assert not full.get("errors") and full["data"]["__schema"]["queryType"]["name"] == "Query"
    refused = (await post(production, get_introspection_query())).json()
    assert error_codes(refused) == ["INTROSPECTION_DISABLED"]
