"""Long list arguments (issue 25, section 2): every list argument has a maximum (LIST_TOO_LONG
past it), a list's items count in the query's cost, the tag filter is one statement whatever
the number of tags, no statement outlives its request on PostgreSQL (statement timeout), and a
client that disconnects cancels its request's work."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from graphql import GraphQLError
from starlette.applications import Starlette
from tortoise import Tortoise

from config import Settings
from engine.extensions import anonymised
from models.db import tortoise_config
from server import create_app
from services.brands import brands as brand_service
from tests.conftest import ON_POSTGRES
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, error_codes, make_brand

QUICK = 5.0  # seconds, on a machine other test runs share
CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { field code } } }"""
BY_TAGS = """query($tags: [String!]) {
  customers(filter: {tags: $tags}) { totalCount edges { node { name } } } }"""


def tags(count: int) -> list[str]:
    return [f"t{i}" for i in range(count)]


async def seeded(gql: GraphQL, settings: Settings) -> str:
    token = await app_token(settings, await make_brand())
    for name, held in (("All", tags(300)), ("Some", tags(10)), ("None", [])):
        body = await gql.post(CREATE, {"input": {"name": name, "tags": held}}, token)
        assert body["data"]["createCustomer"]["errors"] == [], body
    return token


async def test_three_hundred_tags_answer_quickly_with_the_right_customers(
    gql: GraphQL, settings: Settings
) -> None:
    token = await seeded(gql, settings)
    started = time.perf_counter()
    body = await gql.post(BY_TAGS, {"tags": tags(300)}, token)
    assert time.perf_counter() - started < QUICK
    assert body["data"]["customers"] == {"totalCount": 1, "edges": [{"node": {"name": "All"}}]}
    some = await gql.data(BY_TAGS, {"tags": [*tags(10), "t5"]}, token)  # a repeat is no matter
    assert sorted(e["node"]["name"] for e in some["customers"]["edges"]) == ["All", "Some"]


async def test_the_tag_filter_is_one_statement_shape_whatever_the_number_of_tags(
    gql: GraphQL, settings: Settings
) -> None:
    token = await seeded(gql, settings)

    async def statements_for(count: int) -> list[str]:
        with count_statements() as statements:
            await gql.data(BY_TAGS, {"tags": tags(count)}, token)
        return [s for s in statements if "customer_tags" in s]

    few, many = await statements_for(3), await statements_for(300)
    assert len(few) == len(many) == 2  # the page and its count
    for statement in many:
        assert statement.count("customer_tags") == 1, statement  # one subquery, not 300
    assert [shape(s) for s in few] == [shape(s) for s in many]  # one IN list of parameters


def shape(statement: str) -> str:
    """The statement with its placeholders unnumbered and each list of them as one."""
    unnumbered = re.sub(r"\$\d+", "?", statement)
    return re.sub(r"\(\?(,\s*\?)*\)", "(…)", unnumbered)


async def test_list_items_count_in_the_cost(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())

    async def cost(count: int) -> int:
        body = await gql.post(BY_TAGS, {"tags": tags(count)}, token)
        return int(body["extensions"]["cost"]["requestedQueryCost"])

    assert await cost(300) - await cost(10) == 290
    literal = '{ customers(filter: {tags: ["a", "b", "c"]}) { totalCount } }'
    body = await gql.post(literal, token=token)
    # customers 1 + its three tags, and totalCount once per item of the default page (20)
    assert body["extensions"]["cost"]["requestedQueryCost"] == 1 + 3 + 20


async def test_sixty_thousand_tags_are_a_typed_refusal(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    with count_statements() as statements:
        response = await http.post(
            "/graphql",
            json={"query": BY_TAGS, "variables": {"tags": tags(60_000)}},
            headers=headers,
        )
    assert time.perf_counter() - started < QUICK
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert error["extensions"] == {
        "code": "LIST_TOO_LONG",
        "argument": "customers.filter",
        "length": 60_000,
        "maxLength": settings.max_list_length,
    }
    assert not [s for s in statements if '"customers"' in s]
    listed = json.dumps(tags(60_000))
    literal = "{ customers(filter: {tags: " + listed + "}) { totalCount } }"
    response = await http.post("/graphql", json={"query": literal}, headers=headers)
    assert error_codes(response.json()) == ["TOO_MANY_TOKENS"]


async def test_every_list_argument_has_the_maximum(gql: GraphQL, settings: Settings) -> None:
    """Not a list of fields: a mutation's input list, nested in an input object, too."""
    token = await app_token(settings, await make_brand())
    too_many = tags(settings.max_list_length + 1)
    body = await gql.post(CREATE, {"input": {"name": "X", "tags": too_many}}, token)
    assert error_codes(body) == ["LIST_TOO_LONG"]
    assert body["errors"][0]["extensions"]["argument"] == "createCustomer.input"
    at_most = await gql.post(CREATE, {"input": {"name": "Y", "tags": tags(50)}}, token)
    assert at_most["data"]["createCustomer"]["errors"] == []


@pytest.mark.skipif(not ON_POSTGRES, reason="SQLite has no statement timeout")
async def test_a_statement_past_the_timeout_is_cancelled_and_typed(database_url: str) -> None:
    config = tortoise_config(database_url, statement_timeout_ms=200)
    credentials = config["connections"]["default"]["credentials"]
    assert credentials["server_settings"] == {"statement_timeout": "200"}
    conn = await asyncpg.connect(
        host=credentials["host"],
        port=credentials["port"],
        user=credentials["user"],
        password=credentials["password"] or None,
        database=credentials["database"],
        server_settings=credentials["server_settings"],
    )
    try:
        started = time.perf_counter()
        with pytest.raises(asyncpg.QueryCanceledError) as cancelled:
            await conn.execute("SELECT pg_sleep(5)")
        assert time.perf_counter() - started < 2
    finally:
        await conn.close()
    answer = anonymised(GraphQLError("boom", original_error=cancelled.value), None)
    assert answer.extensions == {"code": "QUERY_TIMEOUT", "requestId": "unknown"}


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings, manage_db=False)
    async with application.router.lifespan_context(application):
        yield application


async def test_a_client_that_disconnects_cancels_its_request(
    app: Starlette, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolver's work (a 30 s statement on PostgreSQL) stops when the client goes."""
    cancelled = asyncio.Event()

    async def slow(slug: str) -> Any:
        try:
            if ON_POSTGRES:
                await Tortoise.get_connection("default").execute_query("SELECT pg_sleep(30)")
            else:
                await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    monkeypatch.setattr(brand_service, "get_brand", slow)
    body = json.dumps({"query": '{ brand(slug: "x") { name } }'}).encode()
    gone = asyncio.Event()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"test"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "server": ("test", 80),
    }
    request = asyncio.ensure_future(app(scope, receive, send))  # type: ignore[arg-type]
    await asyncio.sleep(0.5)
    assert not request.done()
    gone.set()
    await asyncio.wait_for(request, QUICK)
    await asyncio.wait_for(cancelled.wait(), 1)
    assert sent == []  # nobody to answer
    if ON_POSTGRES:
        rows = await Tortoise.get_connection("default").execute_query_dict(
            "SELECT count(*) AS n FROM pg_stat_activity"
            " WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'"
        )
        assert rows[0]["n"] == 0, "the statement was cancelled on the server too"


BULK = """mutation($input: BulkUpsertCustomersInput!) {
  bulkUpsertCustomers(input: $input) { count errors { code } } }"""


async def test_long_lists_are_walked_once_and_nested_lists_still_count(
    gql: GraphQL, settings: Settings
) -> None:
    """A long list of strings is checked for NUL and measured without a step per item, and a
    list nested in a list of objects is still measured and checked."""
    token = await app_token(settings, await make_brand())
    nul_at = tags(1_000)
    nul_at[777] = "t\u0000"
    body = await gql.post(BY_TAGS, {"tags": nul_at}, token)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "$tags[777]" in body["errors"][0]["message"]
    mixed = await gql.post(BY_TAGS, {"tags": ["a", 7, "b"]}, token)
    assert error_codes(mixed) == ["BAD_USER_INPUT"]  # not a string: coercion's refusal
    too_long = tags(settings.max_list_length + 1)
    rows = [{"name": "A", "tags": ["x"]}, {"name": "B", "tags": too_long}]
    nested = await gql.post(
        BULK, {"input": {"rows": rows, "errorPolicy": "REJECT_FAILED_ROWS"}}, token
    )
    assert error_codes(nested) == ["LIST_TOO_LONG"]
    assert nested["errors"][0]["extensions"]["length"] == settings.max_list_length + 1
    rows = [{"name": "A", "tags": ["x"]}, {"name": "B", "tags": ["y", "z\u0000"]}]
    hidden = await gql.post(
        BULK, {"input": {"rows": rows, "errorPolicy": "REJECT_FAILED_ROWS"}}, token
    )
    assert error_codes(hidden) == ["BAD_USER_INPUT"]
    assert "$input.rows[1].tags[1]" in hidden["errors"][0]["message"]
