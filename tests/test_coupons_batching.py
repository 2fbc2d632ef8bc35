"""A list of customers reads its coupons in one batch, with the page `paginate` gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from models.offers import Coupon
from tests.offer_helpers import create_offer, issue
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, create_customer, make_brand

LIST = """
query($first: Int, $size: Int!, $status: CouponStatus) { customers(first: $first) {
  edges { node { id coupons(first: $size, status: $status) {
    edges { cursor node { code status } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } } } }
"""
ONE = """
query($id: ID!, $size: Int!, $after: String, $status: CouponStatus) { customer(id: $id) {
  coupons(first: $size, after: $after, status: $status) {
    edges { node { code status } } pageInfo { hasNextPage } } } }
"""


async def _setup(gql: GraphQL, token: str) -> list[dict[str, object]]:
    customers = [await create_customer(gql, token, name=f"C{i}") for i in range(3)]
    for round_ in range(3):
        offer = await create_offer(gql, token, title=f"round {round_}")
        # customer i holds i + 1 coupons
        targets = [c["id"] for i, c in enumerate(customers) if i >= round_]
        assert (await issue(gql, token, offer["id"], f"k{round_}", customerIds=targets))[
            "issuedCount"
        ] == len(targets)
    return customers


async def test_batched_pages_follow_issue_order_and_status(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    customers = await _setup(gql, token)
    third = str(customers[2]["id"])
    newest_first = [
        c.code for c in await Coupon.filter(customer__name="C2").order_by("-issued_at", "-id")
    ]
    await Coupon.filter(code=newest_first[0]).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    await Coupon.filter(code=newest_first[1]).update(status="VOID")

    data = await gql.data(LIST, {"first": 10, "size": 2}, token)
    pages = {e["node"]["id"]: e["node"]["coupons"] for e in data["customers"]["edges"]}
    page = pages[third]
    assert [e["node"]["code"] for e in page["edges"]] == newest_first[:2]
    assert [e["node"]["status"] for e in page["edges"]] == ["EXPIRED", "VOID"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await gql.data(
        ONE, {"id": third, "size": 5, "after": page["pageInfo"]["endCursor"]}, token
    )
    assert [e["node"]["code"] for e in rest["customer"]["coupons"]["edges"]] == newest_first[2:]
    assert sorted(len(p["edges"]) for p in pages.values()) == [1, 2, 2]

    usable = await gql.data(LIST, {"first": 10, "size": 5, "status": "ISSUED"}, token)
    pages = {e["node"]["id"]: e["node"]["coupons"] for e in usable["customers"]["edges"]}
    assert [e["node"]["code"] for e in pages[third]["edges"]] == newest_first[2:]
    assert sorted(len(p["edges"]) for p in pages.values()) == [1, 1, 2]


async def test_coupons_of_a_page_take_one_statement(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    for i in range(6):
        await create_customer(gql, token, name=f"X{i}")
    await _setup(gql, token)
    for status in (None, "ISSUED"):
        counts = {}
        for first in (2, 9):
            with count_statements() as statements:
                await gql.data(LIST, {"first": first, "size": 10, "status": status}, token)
            counts[first] = len(statements)
        assert 0 < counts[2] == counts[9], (status, counts)
