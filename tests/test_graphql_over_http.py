"""GraphQL over HTTP: `application/graphql-response+json` on both entry points (the lean POST
and strawberry's view), and the legacy `application/json` answer unchanged."""

from __future__ import annotations

import json

import httpx
import pytest

from config import Settings
from engine.response_media import GRAPHQL_RESPONSE, JSON, negotiated
from tests.support import app_token, make_brand

GR = {"Accept": GRAPHQL_RESPONSE}


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),
        ("*/*", JSON),
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),
        (f"application/json, {GRAPHQL_RESPONSE};q=0.5", JSON),
        (f"{GRAPHQL_RESPONSE};q=0", JSON),
        (f"{GRAPHQL_RESPONSE};q=nonsense, */*", JSON),
    ],
)
def test_media_type_negotiation(accept: str | None, expected: str) -> None:
    assert negotiated(accept) == expected


async def _post(http: httpx.AsyncClient, body: dict[str, object], **headers: str) -> httpx.Response:
    return await http.post(
        "/graphql",
        content=json.dumps(body),
        headers={"Content-Type": "application/json", **headers},
    )


@pytest.mark.parametrize(
    "query",
    ["{ brand(slug: ", "{ noSuchField }", "query($s: String!) { brand(slug: $s) { name } }"],
    ids=["parse", "validation", "coercion"],
)
async def test_request_errors_are_400_without_data(http: httpx.AsyncClient, query: str) -> None:
    posted = await _post(http, {"query": query, "variables": {"s": 5}}, **GR)
    got = await http.get("/graphql", params={"query": query}, headers=GR)
    for response in (posted, got):  # the lean POST path and strawberry's view
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == GRAPHQL_RESPONSE
        body = response.json()
        assert "data" not in body
        assert body["errors"][0]["message"]


async def test_request_errors_keep_the_legacy_json_answer(http: httpx.AsyncClient) -> None:
    posted = await _post(http, {"query": "{ noSuchField }"}, Accept="application/json")
    got = await http.get("/graphql", params={"query": "{ noSuchField }"})
    for response in (posted, got):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.json()["data"] is None


async def test_executed_operations_are_200_in_the_requested_media_type(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    await make_brand("media")
    query = '{ brand(slug: "media") { name } }'
    posted = await _post(http, {"query": query}, **GR)
    got = await http.get("/graphql", params={"query": query}, headers=GR)
    for response in (posted, got):
        assert response.status_code == 200
        assert response.headers["content-type"] == GRAPHQL_RESPONSE
        assert response.json() == {
            "data": {"brand": {"name": "Media"}},
            "extensions": {"cost": {"requestedQueryCost": 2, "maximumAvailable": 10000}},
        }


async def test_a_field_error_is_executed_so_it_keeps_data_and_200(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand(), "customers:read")
    query = '{ node(id: "not a global id") { id } }'
    response = await _post(http, {"query": query}, Authorization=f"Bearer {token}", **GR)
    body = response.json()
    assert response.status_code == 200, body
    assert body["data"] == {"node": None}
    assert body["errors"][0]["path"] == ["node"]


@pytest.mark.parametrize("name", [{"obj": "ect"}, ["array"], 0, False])
async def test_an_operation_name_that_is_not_a_string_is_a_400(
    http: httpx.AsyncClient, name: object
) -> None:
    response = await _post(http, {"query": "{ __typename }", "operationName": name})
    assert response.status_code == 400, response.text
