"""The lean request pipeline answers exactly as strawberry's extension hooks do, and leaves to
them every request it cannot answer the same way."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.utils.operation import OperationType

from auth.context import Context, authenticate
from config import Settings
from engine.ratelimit import InProcessRateLimiter
from resolvers.customers import queries as customer_queries
from schema import CRMSchema, build_schema
from services.brands import brands as brand_service
from tests.loyalty_support import AWARD
from tests.support import GraphQL, app_token, create_customer, make_brand, mint

LIST = "query($n: Int) { customers(first: $n) { totalCount edges { node { name } } } }"
ONE = "query($id: ID!) { customer(id: $id) { name } }"
INVALID = "{ customers(first: 2) { edges { node { nope } } } }"
SYNTAX = "{ customers(first: 2) { edges { node { name } }"
QUERY = OperationType.QUERY
BY_TAGS = "query($tags: [String!]) { customers(filter: {tags: $tags}) { totalCount } }"
TOO_COSTLY = "{ customers(first: 100) { edges { node { name notes(first: 100) { body } } } } }"


def _schemas(**options: Any) -> tuple[CRMSchema, CRMSchema]:
    lean, standard = build_schema(**options), build_schema(**options)
    assert isinstance(lean, CRMSchema) and isinstance(standard, CRMSchema)
    standard.lean = None
    return lean, standard


async def _answer(
    schema: CRMSchema, settings: Settings, token: str, query: str, variables: Any = None
) -> tuple[Any, ...]:
    context = Context(request=None, settings=settings, request_id="same-request")
    await authenticate(context, token)
    result = await schema.execute(query, variables, context_value=context)
    errors = [(e.message, e.path, e.extensions) for e in result.errors or []]
    return result.data, errors, result.extensions


async def test_answers_and_refusals_match_strawberrys_path(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Ada")
    twin = await create_customer(gql, token, name="Bea")
    lean, standard = _schemas(max_query_cost=5_000)
    assert lean.lean is not None
    award = {"customerId": customer["id"], "points": 5, "reason": "r"}
    cases: list[tuple[str, Any, bool]] = [
        (LIST, {"n": 2}, True),
        (LIST, {"n": 2}, True),  # the second time from the parse and validation caches
        (ONE, {"id": customer["id"]}, True),
        (ONE, {"id": "not-an-id"}, True),  # a located error in the data
        (AWARD, {"input": {**award, "idempotencyKey": "k1"}}, True),
        (AWARD, {"input": {**award, "points": -1, "idempotencyKey": "k2"}}, True),
        (AWARD, {"input": {"customerId": customer["id"]}}, True),  # variables refused
        (INVALID, None, False),
        (SYNTAX, None, False),
        (TOO_COSTLY, None, True),  # refused by the cost limit, as the extension words it
        (BY_TAGS, {"tags": [f"t{i}" for i in range(3_000)]}, True),  # LIST_TOO_LONG
        (BY_TAGS, {"tags": ["t", "t\u0000"]}, False),  # a NUL in the variables
    ]
    for query, variables, answered_lean in cases:
        before = lean.lean.answered
        # An award: the same to two equal members, the new rows' ids aside.
        if query == AWARD and "points" in variables["input"]:
            assert _without_ids(await _answer(lean, settings, token, query, variables)) == (
                _without_ids(
                    await _answer(standard, settings, token, query, _twin(variables, twin["id"]))
                )
            )
        else:
            assert await _answer(lean, settings, token, query, variables) == await _answer(
                standard, settings, token, query, variables
            ), query
        assert lean.lean.answered == before + answered_lean, query
    data, _, extensions = await _answer(lean, settings, token, LIST, {"n": 2})
    assert data["customers"]["totalCount"] == 2
    assert extensions["cost"]["maximumAvailable"] == 5_000
    assert extensions["cost"]["requestedQueryCost"] > 0


def _twin(variables: dict[str, Any], twin_id: str) -> dict[str, Any]:
    """The same award to the twin, under its own key (keys are unique in the brand)."""
    given = {**variables["input"], "customerId": twin_id}
    if "idempotencyKey" in given:
        given["idempotencyKey"] += "-twin"
    return {"input": given}


def _without_ids(answer: tuple[Any, ...]) -> tuple[Any, ...]:
    data, errors, extensions = answer
    transaction = (data or {}).get("awardPoints", {}).get("transaction")
    if transaction:
        transaction["id"] = "new"
    return data, errors, extensions


async def test_unexpected_errors_are_masked_with_the_request_id(
    gql: GraphQL, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Ada")

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database said something private")

    monkeypatch.setattr(customer_queries, "customer", broken)
    lean, standard = _schemas()
    answers = [
        await _answer(schema, settings, token, ONE, {"id": customer["id"]})
        for schema in (lean, standard)
    ]
    assert answers[0] == answers[1]
    assert lean.lean is not None and lean.lean.answered == 1
    _, errors, _ = answers[0]
    assert errors[0][0] == "Internal server error (request id same-request)."
    assert errors[0][2] == {"code": "INTERNAL_SERVER_ERROR", "requestId": "same-request"}


async def test_rate_limit_charged_once_and_refused_like_the_extension(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    cost = (await _answer(build_schema(), settings, token, LIST, {"n": 1}))[2]["cost"]
    burst = 2.5 * cost["requestedQueryCost"]  # two requests, not three
    answers = []
    lean = build_schema(rate_limiter=InProcessRateLimiter(rate=0.001, burst=burst))
    standard = build_schema(rate_limiter=InProcessRateLimiter(rate=0.001, burst=burst))
    assert isinstance(standard, CRMSchema)
    standard.lean = None
    for schema in (lean, standard):
        first = await _answer(schema, settings, token, LIST, {"n": 1})
        second = await _answer(schema, settings, token, LIST, {"n": 1})
        third = await _answer(schema, settings, token, LIST, {"n": 1})
        assert not first[1] and not second[1], "each request is charged once"
        assert third[0] is None and third[1][0][2]["code"] == "RATE_LIMITED"
        answers.append((first, second, third))
    assert answers[0] == answers[1]


async def test_allow_list_apps_and_refused_operation_types_take_strawberrys_path(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    created = await brand_service.create_app(brand, "partner", ["customers:read"])
    created.app.persisted_queries_only = True
    await created.app.save(update_fields=["persisted_queries_only"])
    token = mint(settings, created.app.id, brand.slug, "customers:read")
    lean, standard = _schemas()
    assert lean.lean is not None
    answers = [
        await _answer(schema, settings, token, LIST, {"n": 1}) for schema in (lean, standard)
    ]
    assert answers[0] == answers[1]
    assert answers[0][1][0][2]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
    assert lean.lean.answered == 0
    # A mutation over GET: strawberry refuses the operation type (the view answers 405).
    context = Context(request=None, settings=settings, request_id="r")
    await authenticate(context, await app_token(settings, brand))
    with pytest.raises(InvalidOperationTypeError):
        await lean.execute(
            AWARD, {"input": {}}, context_value=context, allowed_operation_types={QUERY}
        )
    assert lean.lean.answered == 0
