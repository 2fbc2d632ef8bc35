"""A request's objects are freed as soon as its answer is dropped, without the cyclic collector:
its executor, its context, the context's DataLoaders and every row they loaded. (graphql-core's
executor holds bound methods of itself; while it did, each wide page left about 1,400 objects
for the collector, whose passes took a fifth of the page's time.)"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from auth.context import Context, authenticate
from config import Settings
from schema import build_schema
from tests.loyalty_support import AWARD, LOYALTY
from tests.support import GraphQL, app_token, create_customer, make_brand

PAGE = """
query { customers(first: 10) { edges { cursor node { id name
  membership { memberNumber tier { name } }
  pointsTransactions(first: 5) { edges { cursor node { id kind amount createdAt } } }
  coupons(first: 5, status: ISSUED) { edges { node { code } } } } } } }
"""


@pytest.fixture
def no_cyclic_collector() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _freed_after(
    schema: Any, settings: Settings, token: str, query: str, variables: dict[str, Any], loads: bool
) -> bool:
    context = Context(request=None, settings=settings, request_id="garbage")
    await authenticate(context, token)
    result = await schema.execute(query, variables, context_value=context)
    assert not result.errors, result.errors
    assert bool(context.loaders) == loads, "the request did not load what it was meant to"
    freed = weakref.ref(context)
    del context, result
    return freed() is None


async def test_a_requests_context_and_loaded_rows_are_freed_by_reference_counting(
    gql: GraphQL, settings: Settings, no_cyclic_collector: None
) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Ann")
    award = {"input": {"customerId": customer["id"], "points": 5, "reason": "t"}}
    assert (await gql.data(AWARD, award, token))["awardPoints"]["errors"] == []
    schema = build_schema()
    for query, variables, loads in (
        (PAGE, {}, True),  # level by level (engine/batched)
        (LOYALTY, {"id": customer["id"]}, True),  # one customer, more resolvers
        (AWARD, award, False),  # a mutation: graphql-core's executor
    ):
        assert await _freed_after(schema, settings, token, query, variables, loads), query
