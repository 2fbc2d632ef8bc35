"""Hostile inputs (issue 25, section 5): every bad input answers a typed error, never an HTTP 5xx
or INTERNAL_SERVER_ERROR, and nothing reaches the database that it would refuse."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from strawberry.types import ExecutionResult

from config import Settings
from library_adapter import graphql_core_schema
from models import Brand, Customer
from tests.support import GraphQL, app_token, error_codes, make_brand

NUL = "\u0000"


def assert_typed(body: dict[str, Any]) -> None:
    """Every error carries a code, and none is an internal error."""
    codes = error_codes(body)
    assert None not in codes, body
    assert "INTERNAL_SERVER_ERROR" not in codes, body


async def post_json(http: httpx.AsyncClient, raw: bytes, **headers: str) -> httpx.Response:
    return await http.post(
        "/graphql", content=raw, headers={"content-type": "application/json", **headers}
    )


@pytest.mark.parametrize("raw", [b"null", b"42", b'"x"', b"[]", b"true", b"[42]", b"[null]"])
async def test_json_bodies_that_are_not_objects_are_a_typed_400(
    http: httpx.AsyncClient, raw: bytes
) -> None:
    response = await post_json(http, raw)
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]


async def test_batch_items_that_are_not_objects_are_a_typed_400(http: httpx.AsyncClient) -> None:
    response = await post_json(http, b'[{"query": "{ __typename }"}, 7]')
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"query": 42}',
        b'{"query": "{ __typename }", "variables": []}',
        b'{"query": "{ __typename }", "variables": "x"}',
        b'{"query": "{ __typename }", "operationName": 7}',
        b'{"query": "{ __typename }", "extensions": 7}',
        b"{}",
    ],
)
async def test_objects_of_the_wrong_shape_are_a_typed_400(
    http: httpx.AsyncClient, raw: bytes
) -> None:
    response = await post_json(http, raw)
    assert response.status_code == 400, response.text
    assert error_codes(response.json()), response.text


async def test_a_subscription_over_post_is_a_typed_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "subscription { events { id } }"})
    assert response.status_code == 400, response.text
    assert error_codes(response.json()) == ["BAD_REQUEST"]
    over_get = await http.get("/graphql", params={"query": "subscription { events { id } }"})
    assert over_get.status_code == 400, over_get.text
    assert error_codes(over_get.json()) == ["BAD_REQUEST"]


async def test_nul_characters_are_refused_in_arguments_inputs_and_variables(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    documents: list[tuple[str, dict[str, Any] | None, str | None]] = [
        ('{ brand(slug: "\\u0000x") { slug } }', None, None),
        ("query($s: String!) { brand(slug: $s) { slug } }", {"s": f"{NUL}x"}, None),
        (
            "mutation($i: LoginInput!) { login(input: $i) { token errors { code } } }",
            {"i": {"brand": "acme", "email": f"a{NUL}@b.c", "password": "x"}},
            None,
        ),
        ('{ surveyForm(token: "a\\u0000b") { surveyName } }', None, None),
        (
            '{ customers(filter: {search: "a\\u0000"}) { edges { node { id } } } }',
            None,
            token,
        ),
        (
            "query($f: CustomerFilter) { customers(filter: $f) { edges { node { id } } } }",
            {"f": {"tags": ["ok", f"b{NUL}"]}},
            token,
        ),
        (
            "mutation($i: CreateCustomerInput!) { createCustomer(input: $i) { errors { code } } }",
            {"i": {"name": "Ann", "address": f"Main St{NUL}1"}},
            token,
        ),
        (
            'mutation { revokeToken(input: {jti: "\\u0000"}) { revokedJti errors { code } } }',
            None,
            token,
        ),
    ]
    for query, variables, caller in documents:
        body = await gql.post(query, variables, token=caller)
        assert_typed(body)
        assert error_codes(body) == ["BAD_USER_INPUT"], (query, body)
        assert body["data"] is None
        assert "NUL" in body["errors"][0]["message"]
    assert await Customer.all().count() == 0


async def test_nul_in_a_custom_scalar_or_json_value_is_refused(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.post(
        "query($id: ID!) { node(id: $id) { id } }", {"id": f"Q3{NUL}"}, token=token
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


def global_id(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize(
    "raw",
    [
        "Customer:99999999999999999999",
        "Customer:9223372036854775808",
        "Customer:0",
        "Customer:²",
        "Customer:٣",
        "Customer:-1",
    ],
)
async def test_ids_out_of_range_are_unknown_or_typed(
    gql: GraphQL, settings: Settings, raw: str
) -> None:
    token = await app_token(settings, await make_brand())
    node = await gql.post(
        "query($id: ID!) { node(id: $id) { id } }", {"id": global_id(raw)}, token=token
    )
    assert_typed(node)
    assert node["data"] in (None, {"node": None})
    customer = await gql.post(
        "query($id: ID!) { customer(id: $id) { id } }", {"id": global_id(raw)}, token=token
    )
    assert_typed(customer)
    update = await gql.post(
        "mutation($i: UpdateCustomerInput!) { updateCustomer(input: $i) { errors { code } } }",
        {"i": {"id": global_id(raw), "name": "X"}},
        token=token,
    )
    assert_typed(update)
    if update["data"] is not None:
        assert update["data"]["updateCustomer"]["errors"], update


async def test_an_id_just_inside_the_range_is_just_unknown(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.post(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": global_id("Customer:9223372036854775807")},
        token=token,
    )
    assert body == {"data": {"node": None}} or not body.get("errors"), body


@pytest.mark.parametrize("field", ["timezone", "locale", "currency", "name"])
async def test_explicit_null_for_a_brand_setting_is_a_field_error(
    gql: GraphQL, settings: Settings, field: str
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    body = await gql.post(
        f"mutation {{ updateBrand(input: {{{field}: null}}) {{ brand {{ slug }} "
        "errors { field code } } }",
        token=token,
    )
    assert_typed(body)
    assert body["data"]["updateBrand"]["errors"] == [{"field": field, "code": "REQUIRED"}]
    assert (await Brand.get(id=brand.id)).timezone == brand.timezone


async def test_explicit_null_for_a_loyalty_setting_is_a_field_error(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.post(
        "mutation { setLoyaltySettings(input: {atRiskDays: 0, churnedDays: null, pendingDays: 0})"
        " { errors { field code } } }",
        token=token,
    )
    assert_typed(body)
    errors = body["data"]["setLoyaltySettings"]["errors"]
    assert {"field": "churnedDays", "code": "REQUIRED"} in errors, errors


async def test_integers_the_database_cannot_hold_are_typed(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.post(
        "mutation { setLoyaltySettings(input: {pendingDays: 2147483647, expiryDays: 2147483647,"
        " reviewDays: 2147483647}) { errors { field code } } }",
        token=token,
    )
    assert_typed(body)


def _sample(graphql_type: Any, depth: int = 0) -> Any:
    """A value for a required input: the simplest of its type; nested inputs recursively."""
    from graphql import (
        GraphQLEnumType,
        GraphQLInputObjectType,
        GraphQLList,
        GraphQLNonNull,
    )

    if isinstance(graphql_type, GraphQLNonNull):
        return _sample(graphql_type.of_type, depth)
    if isinstance(graphql_type, GraphQLList):
        return [_sample(graphql_type.of_type, depth)]
    if isinstance(graphql_type, GraphQLEnumType):
        return next(iter(graphql_type.values))
    if isinstance(graphql_type, GraphQLInputObjectType):
        return _all_nulls(graphql_type, depth + 1)
    return {
        "Int": 1,
        "Float": 1.5,
        "Boolean": True,
        "Decimal": "1.00",
        "Date": "2026-01-01",
        "DateTime": "2026-01-01T00:00:00Z",
        "JSON": {},
    }.get(graphql_type.name, "x")


def _all_nulls(input_type: Any, depth: int = 0) -> dict[str, Any]:
    """Every nullable field of the input an explicit null, every required one a sample."""
    from graphql import GraphQLNonNull

    return {
        name: _sample(field.type, depth) if isinstance(field.type, GraphQLNonNull) else None
        for name, field in input_type.fields.items()
        if depth < 3 or isinstance(field.type, GraphQLNonNull)
    }


async def test_explicit_nulls_in_every_mutation_input_are_typed(
    api: GraphQL, settings: Settings
) -> None:
    """The pattern behind updateBrand and setLoyaltySettings, across all mutations: each gets
    every optional input field as an explicit null."""
    from graphql import GraphQLNonNull

    from schema import build_schema

    mutation_type = graphql_core_schema(build_schema()).mutation_type
    assert mutation_type is not None
    token = await app_token(settings, await make_brand())
    failures = []
    for name, field in mutation_type.fields.items():
        if "input" not in field.args:
            continue
        input_type = field.args["input"].type
        if isinstance(input_type, GraphQLNonNull):
            input_type = input_type.of_type
        query = f"mutation($i: {input_type.name}!) {{ {name}(input: $i) {{ __typename }} }}"
        body = await api.post(query, {"i": _all_nulls(input_type)}, token=token)
        codes = error_codes(body)
        if None in codes or "INTERNAL_SERVER_ERROR" in codes:
            failures.append((name, body["errors"][0]["message"]))
    assert not failures, failures


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ brand(slug: ", None, "GRAPHQL_PARSE_FAILED"),
        ("{ shoeSize }", None, "GRAPHQL_VALIDATION_FAILED"),
        ("query($s: String!) { brand(slug: $s) { slug } }", {}, "BAD_USER_INPUT"),
        ("query($s: String!) { brand(slug: $s) { slug } }", {"s": [1]}, "BAD_USER_INPUT"),
    ],
)
async def test_requests_refused_before_execution_carry_a_code(
    gql: GraphQL, query: str, variables: dict[str, Any] | None, code: str
) -> None:
    body = await gql.post(query, variables)
    assert error_codes(body) == [code], body


async def test_get_variables_keep_their_rules(http: httpx.AsyncClient) -> None:
    await make_brand()
    query = "query($s: String!) { brand(slug: $s) { slug } }"
    ok = await http.get("/graphql", params={"query": query, "variables": '{"s": "acme"}'})
    assert ok.json()["data"] == {"brand": {"slug": "acme"}}
    no_variables = await http.get(
        "/graphql", params={"query": "{ __typename }", "variables": "null"}
    )
    assert no_variables.json()["data"] == {"__typename": "Query"}
    refused = await http.get("/graphql", params={"query": query, "variables": "[1]"})
    assert refused.status_code == 400 and error_codes(refused.json()) == ["BAD_REQUEST"]


async def test_database_refusals_map_to_field_errors() -> None:
    """services.common.db_errors on the errors the real database raises."""
    from tortoise import Tortoise

    from services.common.db_errors import input_errors

    await make_brand()
    try:
        await Brand.create(slug="acme", name="Again", display_name="Again")
    except Exception as exc:
        duplicate = input_errors(exc)
    assert duplicate is not None and duplicate[0].code == "DUPLICATE", duplicate
    assert duplicate[0].field == "slug"
    try:
        await Customer.filter(id=2**64).first()
    except Exception as exc:
        too_big = input_errors(exc)
    assert too_big is not None and too_big[0].code == "INVALID", too_big
    connection = Tortoise.get_connection("default")
    try:
        await connection.execute_query('UPDATE "brands" SET "timezone" = NULL')
    except Exception as exc:
        not_null = input_errors(exc)
    assert not_null is not None and not_null[0].code == "REQUIRED"
    assert not_null[0].field == "timezone"
    assert input_errors(RuntimeError("boom")) is None


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ("subscription($t: [String!]) { events(types: $t) { id } }", {"t": [f"a{NUL}"]}),
        ('subscription { events(types: ["a\\u0000"]) { id } }', None),
    ],
)
async def test_nul_is_refused_in_subscriptions_too(
    query: str, variables: dict[str, Any] | None
) -> None:
    """The websocket transports run operations through `subscribe`: the same checks apply."""
    from schema import build_schema

    stream = await build_schema().subscribe(query, variable_values=variables)
    assert not isinstance(stream, ExecutionResult)
    first = await anext(stream)
    assert [e.extensions for e in first.errors or []] == [{"code": "BAD_USER_INPUT"}]
