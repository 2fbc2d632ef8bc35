"""On the real schema and data, queries executed level by level answer exactly as graphql-core's
executor does: masked personal data, permissions, errors, connections, cursors."""

from __future__ import annotations

from typing import Any

import pytest

from auth.context import Context, authenticate
from config import Settings
from engine.batched import BatchedQueryExecutor
from engine.shared_events import SharedEventExecutor
from resolvers.loyalty import loaders as loyalty_loaders
from resolvers.loyalty import queries as loyalty_queries
from resolvers.offers import queries as offer_queries
from schema import build_schema
from services.brands import brands as brand_service
from tests.loyalty_support import AWARD, mutate, record
from tests.offer_helpers import create_offer, customer_token, issue
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, create_customer, make_brand, mint


class GraphQLCoreQueries(SharedEventExecutor):
    batch_queries = False


class CountingLevels(SharedEventExecutor):
    levels = 0

    async def _level(self, *args: Any) -> Any:
        CountingLevels.levels += 1
        return await super()._level(*args)


PAGE = """
query($first: Int, $size: Int!) { customers(first: $first) { totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node { __typename id name phone email birthMonth tags createdAt
    externalIds { system externalId }
    membership { memberNumber status tier { name rank } tierSince points: tier { rank } }
    points { available pending lifetimeEarned }
    pointsTransactions(first: $size) {
      edges { cursor node { id kind amount balanceAfter reason createdAt expiresAt } }
      pageInfo { hasNextPage startCursor endCursor } }
    coupons(first: 10, status: ISSUED) { edges { cursor node { id code status expiresAt } } }
    purchases(first: 2) { edges { node { amount items { sku quantity } } } }
    lifecycleStage
  } } } }
"""
REFUSED = "query { customers(first: 500) { edges { node { id } } } }"
ME = """{ me { profile { name phone } membership { tier { name } }
  pointsTransactions(first: 5) { edges { node { amount } } }
  coupons(first: 5) { edges { node { code } } } } }"""
NOT_MINE = "query($id: ID!) { customer(id: $id) { name } }"


# What only the batch resolvers call: each must serve the page.
BATCH_LOADS = [
    (loyalty_loaders, "memberships"),
    (loyalty_loaders, "tiers"),
    (loyalty_queries, "first_points_transactions_of"),
    (offer_queries, "coupons_of_each"),
]


def _counting(real: Any, name: str, calls: list[str]) -> Any:
    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(name)
        return await real(*args, **kwargs)

    return counted


async def _seed(gql: GraphQL, settings: Settings) -> tuple[str, list[dict[str, Any]]]:
    token = await app_token(settings, await make_brand())
    customers = [
        await create_customer(gql, token, name=f"C{i}", phone=f"+861380013800{i}", tags=["vip"])
        for i in range(4)
    ]
    offer = await create_offer(gql, token)
    for i, customer in enumerate(customers[:3]):
        for j in range(i + 1):
            result = await mutate(
                gql,
                token,
                AWARD,
                "awardPoints",
                customerId=customer["id"],
                points=5 + j,
                reason="t",
            )
            assert result["errors"] == []
        if i == 1:
            issued = await issue(gql, token, offer["id"], f"k{i}", customerIds=[customer["id"]])
            assert issued["errors"] == []
            made = await record(
                gql,
                token,
                customerId=customer["id"],
                amount="30",
                items=[{"sku": "A", "name": "Latte", "quantity": 2, "unitPrice": "15"}],
            )
            assert made["errors"] == []
    return token, customers


async def _both(
    settings: Settings, token: str, query: str, variables: dict[str, Any] | None = None
) -> Any:
    answers = []
    CountingLevels.levels = 0
    for executor in (GraphQLCoreQueries, CountingLevels):
        schema = build_schema(execution_context_class=executor)
        context = Context(request=None, settings=settings, request_id="same")
        await authenticate(context, token)
        result = await schema.execute(query, variables, context_value=context)
        answers.append(
            (result.data, [(e.message, e.path, e.extensions) for e in result.errors or []])
        )
    assert answers[1] == answers[0]
    return answers[0], CountingLevels.levels


@pytest.mark.parametrize("scopes", ["everything", "no personal data"])
async def test_a_wide_page_is_the_same_both_ways(
    gql: GraphQL, settings: Settings, scopes: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    batch_calls: list[str] = []
    for module, name in BATCH_LOADS:
        real = getattr(module, name)
        monkeypatch.setattr(module, name, _counting(real, name, batch_calls))
    real_column = BatchedQueryExecutor._extended_column

    def counted_column(self: BatchedQueryExecutor, *args: Any) -> list[Any]:
        batch_calls.append("masked column")
        return real_column(self, *args)

    monkeypatch.setattr(BatchedQueryExecutor, "_extended_column", counted_column)
    token, _ = await _seed(gql, settings)
    if scopes != "everything":  # phone and email masked, coupons still readable
        brand = await brand_service.get_brand("acme")
        assert brand is not None
        created = await brand_service.create_app(
            brand, "reader", ["customers:read", "loyalty:read", "offers:read"]
        )
        token = mint(settings, created.app.id, "acme", "customers:read loyalty:read offers:read")
    for size in (0, 2, 10):
        (data, errors), levels = await _both(settings, token, PAGE, {"first": 3, "size": size})
        assert levels > 5, "the query did not go level by level"
        assert not errors and len(data["customers"]["edges"]) == 3
    (data, _), _ = await _both(settings, token, PAGE, {"first": 10, "size": 3})
    assert {name for _, name in BATCH_LOADS} | {"masked column"} == set(batch_calls), (
        "batch resolvers or column extensions unused"
    )
    phones = {e["node"]["phone"] for e in data["customers"]["edges"]}
    assert any(phone.startswith("+861380013800") for phone in phones) == (scopes == "everything")
    ledgers = [e["node"]["pointsTransactions"]["edges"] for e in data["customers"]["edges"]]
    assert sorted(len(ledger) for ledger in ledgers) == [0, 1, 3, 3]  # C1 also bought


async def test_refusals_and_a_customers_own_view_are_the_same_both_ways(
    gql: GraphQL, settings: Settings
) -> None:
    token, customers = await _seed(gql, settings)
    (data, errors), _ = await _both(settings, token, REFUSED)
    assert data is None and errors and errors[0][2]["code"] == "BAD_USER_INPUT"
    own = await customer_token(gql, token, customers[1]["id"])
    (data, errors), levels = await _both(settings, own, ME)
    assert not errors and levels > 0
    assert [e["node"]["amount"] for e in data["me"]["pointsTransactions"]["edges"]] == [30, 6, 5]
    (data, errors), _ = await _both(settings, own, NOT_MINE, {"id": customers[0]["id"]})
    assert errors, "a customer must not read another customer"


FAILING = """query($notes: Int!) { customers(first: 10) { edges { node { id name
  membership { status tier { name } } notes(first: $notes) { body } } } } }"""


async def test_a_failing_query_sends_its_statements_once(gql: GraphQL, settings: Settings) -> None:
    """A field refusing its argument for every customer: the answer (null data, one located
    BAD_USER_INPUT error) is the standard one, and the page's statements are sent once, as for
    the same query that succeeds."""
    token, _ = await _seed(gql, settings)
    (data, errors), levels = await _both(settings, token, FAILING, {"notes": 101})
    assert levels >= 2, "the batched executor did not take the query"
    assert data is None and len(errors) == 1
    _, path, extensions = errors[0]
    assert path[:3] == ["customers", "edges", 0] and path[-1] == "notes"
    assert extensions["code"] == "BAD_USER_INPUT"
    schema = build_schema()
    counts = []
    for notes in (101, 5):
        context = Context(request=None, settings=settings, request_id="once")
        await authenticate(context, token)
        with count_statements() as statements:
            await schema.execute(FAILING, {"notes": notes}, context_value=context)
        counts.append(len(statements))
    failing, succeeding = counts  # the same, less the notes the failing one never reads
    assert 0 < failing < succeeding, "the failing query sent its statements again"
