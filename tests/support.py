"""Helpers the tests share: a GraphQL client over ASGI, brands and tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from auth.tokens import issue_token
from config import Settings
from models import Brand
from services.brands import brands

EVERYTHING = "admin"


@dataclass
class GraphQL:
    http: httpx.AsyncClient

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Execute and insist on no top-level errors."""
        body = await self.post(query, variables, token)
        assert not body.get("errors"), body.get("errors")
        result: dict[str, Any] = body["data"]
        return result


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or []]


async def make_brand(slug: str = "acme", **branding: Any) -> Brand:
    return await brands.create_brand(slug, slug.title(), **branding)


async def app_token(
    settings: Settings, brand: Brand, scopes: str = EVERYTHING, ttl: int = 600
) -> str:
    """A real partner app in the database and a token for it (so revocation checks apply)."""
    created = await brands.create_app(brand, f"test app {scopes}", scopes.split())
    return mint(settings, created.app.id, brand.slug, scopes, ttl)


def mint(settings: Settings, app_id: int, brand_slug: str, scopes: str, ttl: int = 600) -> str:
    return issue_token(settings, "app", app_id, brand_slug, frozenset(scopes.split()), ttl).token


CREATE_CUSTOMER = """
mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) {
    customer { id name phone email tags gender city externalIds { system externalId } }
    errors { field code message relatedId }
  }
}
"""


async def create_customer(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    payload = (await gql.data(CREATE_CUSTOMER, {"input": fields}, token))["createCustomer"]
    assert payload["errors"] == [], payload["errors"]
    customer: dict[str, Any] = payload["customer"]
    return customer


def assert_same_answer(got: Any, expected: Any) -> None:
    """Two execution results alike: data, field order, errors (messages and paths)."""
    assert got.data == expected.data
    assert list(response_keys(got.data)) == list(response_keys(expected.data)), "field order"
    errors = [[(e.message, e.path) for e in r.errors or []] for r in (got, expected)]
    assert errors[0] == errors[1]


def response_keys(value: Any, prefix: str = "") -> Any:
    """Every key of a response, as a path, in the response's order (field order matters)."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield f"{prefix}.{key}"
            yield from response_keys(item, f"{prefix}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from response_keys(item, f"{prefix}[{index}]")
