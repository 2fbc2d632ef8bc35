"""Downgrade policies, and the paged, filtered ledger and purchase lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from models import Membership
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from services.loyalty import tier_review
from tests.loyalty_support import AWARD, REDEEM, loyalty, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_tiers import months_ago

LEDGER = """
query($id: ID!, $filter: PointsTransactionFilter, $after: String) { customer(id: $id) {
  pointsTransactions(first: 2, after: $after, filter: $filter) {
    edges { node { kind amount } } pageInfo { hasNextPage endCursor } } } }
"""
PURCHASES = """
query($id: ID!, $after: String) { customer(id: $id) {
  purchases(first: 2, after: $after) { edges { node { amount items { sku } } }
    pageInfo { hasNextPage endCursor } } } }
"""


async def _silver_lapsed(gql: GraphQL, token: str, brand_id: int) -> tuple[str, int]:
    c = await create_customer(gql, token, name="Lapsed")
    for n in (9, 8, 7):
        await record(gql, token, customerId=c["id"], amount="300", occurredAt=months_ago(n))
    pk = decode_id(c["id"], "Customer")
    silver = await loyalty_config.tier_by_name(brand_id, "Silver", "tier")
    await Membership.filter(customer_id=pk).update(tier_id=silver.id)
    return c["id"], pk


async def test_never_policy_keeps_tiers(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    policy = {"downgrade_policy": "NEVER", "grace_days": 0}
    await loyalty_config.set_settings(Actor.system(brand.id), policy)
    cid, pk = await _silver_lapsed(gql, token, brand.id)
    await Membership.filter(customer_id=pk).update(next_review_at=datetime(2020, 1, 1, tzinfo=UTC))
    assert await tier_review.review(brand, datetime.now(UTC) + timedelta(days=400)) == 0
    assert (await loyalty(gql, token, cid))["membership"]["tier"]["name"] == "Silver"


async def test_anniversary_policy_reviews_once_a_year(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    policy = {"downgrade_policy": "ANNIVERSARY", "grace_days": 0}
    await loyalty_config.set_settings(Actor.system(brand.id), policy)
    cid, pk = await _silver_lapsed(gql, token, brand.id)
    m = await Membership.get(customer_id=pk)
    assert m.next_review_at is not None
    assert abs(m.next_review_at - (m.enrolled_at + timedelta(days=365))) < timedelta(minutes=1)
    now = datetime.now(UTC)
    assert await tier_review.review(brand, now + timedelta(days=200)) == 0  # not the anniversary
    assert (await loyalty(gql, token, cid))["membership"]["tier"]["name"] == "Silver"
    assert await tier_review.review(brand, now + timedelta(days=366)) == 1
    assert (await loyalty(gql, token, cid))["membership"]["tier"]["name"] == "Regular"
    m = await Membership.get(customer_id=pk)
    assert m.next_review_at is not None and m.next_review_at > now + timedelta(days=700)


async def test_rolling_review_with_grace(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await loyalty_config.set_settings(Actor.system(brand.id), {"review_days": 90, "grace_days": 20})
    cid, pk = await _silver_lapsed(gql, token, brand.id)
    now = datetime.now(UTC)
    assert (await tier_review.review_brand(brand, now + timedelta(days=91))).grace_started == 1
    m = (await loyalty(gql, token, cid))["membership"]
    assert (m["tier"]["name"], m["status"]) == ("Silver", "GRACE")
    assert await tier_review.review(brand, now + timedelta(days=100)) == 0  # grace runs
    assert await tier_review.review(brand, now + timedelta(days=112)) == 1
    m = (await loyalty(gql, token, cid))["membership"]
    assert (m["tier"]["name"], m["status"]) == ("Regular", "ACTIVE")
    row = await Membership.get(customer_id=pk)
    assert row.next_review_at is not None
    assert abs(row.next_review_at - (now + timedelta(days=112 + 90))) < timedelta(minutes=1)


async def test_ledger_filter_and_pages(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    for n in (1, 2, 3):
        await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=n)
    await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=4)
    body = await gql.data(LEDGER, {"id": c["id"], "filter": {"kind": "EARN"}}, token)
    page = body["customer"]["pointsTransactions"]
    assert [e["node"]["amount"] for e in page["edges"]] == [3, 2]
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    body = await gql.data(
        LEDGER, {"id": c["id"], "filter": {"kind": "EARN"}, "after": after}, token
    )
    assert [e["node"]["amount"] for e in body["customer"]["pointsTransactions"]["edges"]] == [1]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    body = await gql.data(LEDGER, {"id": c["id"], "filter": {"from": future}}, token)
    assert body["customer"]["pointsTransactions"]["edges"] == []
    body = await gql.data(
        LEDGER, {"id": c["id"], "filter": {"from": past, "to": future, "kind": "REDEEM"}}, token
    )
    assert [e["node"] for e in body["customer"]["pointsTransactions"]["edges"]] == [
        {"kind": "REDEEM", "amount": -4}
    ]


async def test_purchases_pages_newest_first(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    for n in (3, 2, 1):
        item = {"sku": f"S{n}", "name": "x", "quantity": 1, "unitPrice": "1"}
        await record(
            gql, token, customerId=c["id"], amount=f"{n}", occurredAt=months_ago(n), items=[item]
        )
    body = await gql.data(PURCHASES, {"id": c["id"]}, token)
    page = body["customer"]["purchases"]
    assert [e["node"]["items"][0]["sku"] for e in page["edges"]] == ["S1", "S2"]
    after = page["pageInfo"]["endCursor"]
    body = await gql.data(PURCHASES, {"id": c["id"], "after": after}, token)
    assert [e["node"]["amount"] for e in body["customer"]["purchases"]["edges"]] == ["3.00"]
