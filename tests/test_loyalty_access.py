from __future__ import annotations

from config import Settings
from tests.loyalty_support import AWARD, mutate, record
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

ISSUE = """
mutation($input: IssueCustomerTokenInput!) { issueCustomerToken(input: $input) {
  token expiresIn errors { field code } } }
"""
ME = """
{ me { profile { name email } membership { memberNumber tier { name rank } }
  points { available } pointsTransactions { edges { node { kind amount } } }
  purchases { edges { node { amount } } } lifecycleStage } }
"""
MERGE = """
mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  customer { points { available lifetimeEarned } purchases { edges { node { amount } } }
             membership { tier { name } } } errors { code } } }
"""


async def _customer_token(gql: GraphQL, token: str, customer_id: str) -> str:
    body = await gql.data(ISSUE, {"input": {"customerId": customer_id}}, token)
    assert body["issueCustomerToken"]["errors"] == []
    assert body["issueCustomerToken"]["expiresIn"] == 900
    result: str = body["issueCustomerToken"]["token"]
    return result


async def test_me_shows_own_data_only(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li", email="li@example.com")
    other = await create_customer(gql, token, name="Other")
    await record(gql, token, customerId=li["id"], amount="25")
    await record(gql, token, customerId=other["id"], amount="99")
    mine = await _customer_token(gql, token, li["id"])
    me = (await gql.data(ME, token=mine))["me"]
    assert me["profile"] == {"name": "Li", "email": "li@example.com"}
    assert me["points"] == {"available": 25}
    assert [e["node"]["amount"] for e in me["purchases"]["edges"]] == ["25.00"]
    assert me["membership"]["tier"]["name"] == "Regular"
    # a customer token opens nothing else
    body = await gql.post("{ customers { totalCount } }", token=mine)
    assert error_codes(body) == ["FORBIDDEN"]
    body = await gql.post(AWARD, {"input": {"customerId": li["id"], "points": 5}}, mine)
    assert error_codes(body) == ["FORBIDDEN"]
    # and `me` needs a customer token
    assert error_codes(await gql.post(ME, token=token)) == ["FORBIDDEN"]


async def test_customer_token_needs_scope_and_existing_customer(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    reader = await app_token(settings, brand, "customers:read")
    other = await app_token(settings, await make_brand("other"))
    li = await create_customer(gql, token, name="Li")
    stranger = await create_customer(gql, other, name="S")
    body = await gql.post(ISSUE, {"input": {"customerId": li["id"]}}, reader)
    assert error_codes(body) == ["FORBIDDEN"]
    body = await gql.data(ISSUE, {"input": {"customerId": stranger["id"]}}, token)
    assert body["issueCustomerToken"]["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    mine = await _customer_token(gql, token, li["id"])
    await gql.data(
        "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { errors { code } } }",
        {"id": li["id"]},
        token,
    )
    assert error_codes(await gql.post(ME, token=mine)) == ["UNAUTHENTICATED"]


async def test_merge_moves_purchases_and_combines_balances(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    a = await create_customer(gql, token, name="A")
    b = await create_customer(gql, token, name="B")
    await record(gql, token, customerId=a["id"], amount="30")
    await record(gql, token, customerId=b["id"], amount="12")
    await mutate(gql, token, AWARD, "awardPoints", customerId=a["id"], points=8)
    body = await gql.data(MERGE, {"input": {"sourceId": a["id"], "targetId": b["id"]}}, token)
    merged = body["mergeCustomers"]["customer"]
    assert merged["points"] == {"available": 50, "lifetimeEarned": 50}
    assert sorted(e["node"]["amount"] for e in merged["purchases"]["edges"]) == ["12.00", "30.00"]


async def test_loyalty_fields_of_a_page_do_not_multiply_statements(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    query = """{ customers(first: 50) { edges { node { name lifecycleStage valueTier
      points { available } membership { memberNumber tier { name rank } tierHistory { toTier } }
    } } } }"""

    async def statements() -> int:
        with count_statements() as seen:
            await gql.data(query, token=token)
        # the event relay polls in the background: count only this request's statements
        noise = ("outbox_events", "webhook", "advisory")
        return len([s for s in seen if not any(word in s for word in noise)])

    for i in range(3):
        c = await create_customer(gql, token, name=f"C{i}")
        await record(gql, token, customerId=c["id"], amount="10")
    few = await statements()
    for i in range(3, 20):
        c = await create_customer(gql, token, name=f"C{i}")
        await record(gql, token, customerId=c["id"], amount="10")
    assert await statements() == few
