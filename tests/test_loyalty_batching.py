"""A list of customers reads its points ledgers in one batch, with the page `paginate` gives."""

from __future__ import annotations

from typing import Any

import pytest

from config import Settings
from schema.loyalty import types as loyalty_types
from tests.loyalty_support import AWARD, mutate
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, create_customer, make_brand

LEDGERS = """
query($first: Int, $size: Int!) { customers(first: $first) { edges { node { id
  pointsTransactions(first: $size) {
    edges { cursor node { id amount balanceAfter createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } } }
"""
ONE = """
query($id: ID!, $size: Int!, $after: String) { customer(id: $id) {
  pointsTransactions(first: $size, after: $after, filter: {kind: EARN}) {
    edges { cursor node { id amount balanceAfter createdAt } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }
"""


async def _award(gql: GraphQL, token: str, customer_id: str, times: int) -> None:
    for i in range(times):
        result = await mutate(
            gql, token, AWARD, "awardPoints", customerId=customer_id, points=10 + i, reason="t"
        )
        assert result["errors"] == []


async def test_batched_page_equals_the_paginated_page(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    customers = [await create_customer(gql, token, name=f"C{i}") for i in range(3)]
    for i, customer in enumerate(customers):
        await _award(gql, token, customer["id"], i + 1)  # 1, 2 and 3 transactions
    for size in (0, 1, 2, 5):
        data = await gql.data(LEDGERS, {"first": 10, "size": size}, token)
        batched = {
            e["node"]["id"]: e["node"]["pointsTransactions"] for e in data["customers"]["edges"]
        }
        for customer in customers:
            # A filter takes the one-customer path (`paginate`); every row here is an EARN.
            single = await gql.data(ONE, {"id": customer["id"], "size": size}, token)
            assert batched[customer["id"]] == single["customer"]["pointsTransactions"], size


async def test_cursor_from_a_batched_page_continues_it(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Li")
    await _award(gql, token, customer["id"], 3)
    data = await gql.data(LEDGERS, {"first": 1, "size": 2}, token)
    page = data["customers"]["edges"][0]["node"]["pointsTransactions"]
    assert [e["node"]["amount"] for e in page["edges"]] == [12, 11]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql.data(
        ONE, {"id": customer["id"], "size": 2, "after": page["pageInfo"]["endCursor"]}, token
    )
    assert [e["node"]["amount"] for e in rest["customer"]["pointsTransactions"]["edges"]] == [10]


async def test_ledgers_of_a_page_take_one_statement(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    for i in range(6):
        customer = await create_customer(gql, token, name=f"C{i}")
        await _award(gql, token, customer["id"], 2)
    counts = {}
    for first in (2, 6):
        with count_statements() as statements:
            await gql.data(LEDGERS, {"first": first, "size": 10}, token)
        counts[first] = len(statements)
    assert 0 < counts[2] == counts[6], counts


MUTATIONS_IN_ONE_OPERATION = """
mutation($id: ID!) {
  first: awardPoints(input: {customerId: $id, points: 10, reason: "a"}) { errors { code } }
  before: updateCustomer(input: {id: $id, city: "Hangzhou"}) { customer { ...Ledger } }
  second: awardPoints(input: {customerId: $id, points: 5, reason: "b"}) { errors { code } }
  after: updateCustomer(input: {id: $id, city: "Suzhou"}) { customer { ...Ledger } }
}
fragment Ledger on Customer {
  city points { available } membership { status }
  pointsTransactions(first: 5) { edges { node { amount } } }
}
"""


async def test_each_mutation_in_an_operation_reads_what_the_previous_ones_wrote(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Li")
    data = await gql.data(MUTATIONS_IN_ONE_OPERATION, {"id": customer["id"]}, token)
    assert data["first"]["errors"] == [] and data["second"]["errors"] == []

    def ledger(name: str) -> tuple[str, int, list[int]]:
        seen = data[name]["customer"]
        amounts = [e["node"]["amount"] for e in seen["pointsTransactions"]["edges"]]
        return seen["city"], seen["points"]["available"], amounts

    assert ledger("before") == ("Hangzhou", 10, [10])
    assert ledger("after") == ("Suzhou", 15, [5, 10])


async def test_members_of_a_page_sharing_a_tier_share_one_object_of_it(
    gql: GraphQL, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await app_token(settings, await make_brand())
    for i in range(3):
        customer = await create_customer(gql, token, name=f"T{i}")
        await _award(gql, token, customer["id"], 1)
    built: list[Any] = []
    real = loyalty_types.TierType.from_model

    def counted(tier: Any) -> Any:
        built.append(tier.id)
        return real(tier)

    monkeypatch.setattr(loyalty_types.TierType, "from_model", counted)
    data = await gql.data(
        "{ customers(first: 10) { edges { node { membership { tier { name rank } } } } } }",
        token=token,
    )
    tiers = [e["node"]["membership"]["tier"] for e in data["customers"]["edges"]]
    assert len(tiers) == 3 and all(tier == tiers[0] for tier in tiers)
    assert len(built) == 1, "one object for the tier the page's members share"
