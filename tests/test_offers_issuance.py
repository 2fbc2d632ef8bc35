"""Creating offers and issuing them in bulk through the API."""

from __future__ import annotations

from config import Settings
from models import AuditEntry
from models.events import OutboxEvent
from models.offers import Coupon, Offer, OfferIssue
from resolvers.ids import decode_id
from tests.offer_helpers import CREATE, UPDATE, codes, coupons, create_offer, issue
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

SEGMENT = """
mutation($input: CreateSegmentInput!) { createSegment(input: $input) {
  segment { id } errors { field code message } } }
"""


async def test_create_offer_validates_everything(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    bad = {
        "kind": "PERCENT_OFF",
        "title": " ",
        "percent": "150",
        "tiers": ["Diamond"],
        "perCustomerLimit": 0,
        "startsAt": "2026-02-01T00:00:00Z",
        "endsAt": "2026-01-01T00:00:00Z",
    }
    body = (await gql.data(CREATE, {"input": bad}, token))["createOffer"]
    assert body["offer"] is None
    assert sorted(codes(body)) == ["INVALID", "INVALID", "INVALID", "REQUIRED", "UNKNOWN_TIER"]
    assert await Offer.all().count() == 0
    offer = await create_offer(gql, token, tiers=["Silver"], stock=5, pointsCost=100)
    assert offer["eligibility"]["tiers"] == ["Silver"]
    assert (offer["stock"], offer["remainingStock"], offer["pointsCost"]) == (5, 5, 100)
    changed = await gql.data(UPDATE, {"input": {"id": offer["id"], "stock": None}}, token)
    assert changed["updateOffer"]["offer"]["stock"] is None
    assert await AuditEntry.filter(operation__in=["createOffer", "updateOffer"]).count() == 2


async def test_bulk_issue_respects_stock_and_limits(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    people = [await create_customer(gql, token, name=f"C{i}") for i in range(6)]
    ids = [p["id"] for p in people]
    offer = await create_offer(gql, token, stock=4)
    first = await issue(gql, token, offer["id"], "k1", customerIds=ids[:2])
    assert first["issuedCount"] == 2 and first["errors"] == []
    # the first two are at their limit of one; stock caps the rest at two (lowest ids first)
    second = await issue(gql, token, offer["id"], "k2", customerIds=ids)
    assert second["issuedCount"] == 2
    assert second["offer"] == {"issuedCount": 4, "remainingStock": 0}
    holders = await Coupon.all().order_by("customer_id").values_list("customer_id", flat=True)
    assert len(holders) == len(set(holders)) == 4
    held = await coupons(gql, token, ids[0])
    assert len(held) == 1 and held[0]["status"] == "ISSUED" and len(held[0]["code"]) == 12
    # out of stock: an error, nothing written
    third = await issue(gql, token, offer["id"], "k3", customerIds=ids)
    assert codes(third) == ["OUT_OF_STOCK"]
    assert await OfferIssue.filter(idempotency_key="k3").count() == 0
    # events: one coupon.issued per coupon, in the issuing transactions
    events = await OutboxEvent.filter(type="coupon.issued").order_by("seq")
    assert len(events) == 4
    assert len({e.seq for e in events}) == 4
    assert {e.payload["offerId"] for e in events} == {decode_id(offer["id"], "Offer")}
    assert {e.customer_id for e in events} == set(holders)


async def test_limit_reached_and_idempotency(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    offer = await create_offer(gql, token, perCustomerLimit=2)
    for key in ("a", "b"):
        assert (await issue(gql, token, offer["id"], key, customerIds=[c["id"]]))[
            "issuedCount"
        ] == 1
    # a replay answers the first count and issues nothing
    replay = await issue(gql, token, offer["id"], "a", customerIds=[c["id"]])
    assert replay["issuedCount"] == 1 and replay["offer"]["issuedCount"] == 2
    third = await issue(gql, token, offer["id"], "c", customerIds=[c["id"]])
    assert codes(third) == ["LIMIT_REACHED"]
    other = await create_customer(gql, token, name="Wang")
    reused = await issue(gql, token, offer["id"], "a", customerIds=[other["id"]])
    assert codes(reused) == ["IDEMPOTENCY_KEY_REUSED"]
    assert await Coupon.all().count() == 2


async def test_issue_to_a_segment(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    for i in range(5):
        await create_customer(gql, token, name=f"C{i}", city="Shanghai" if i % 2 else "Beijing")
    seg = await gql.data(
        SEGMENT, {"input": {"name": "Shanghai", "rule": {"city": {"in": ["Shanghai"]}}}}, token
    )
    segment_id = seg["createSegment"]["segment"]["id"]
    offer = await create_offer(gql, token)
    result = await issue(gql, token, offer["id"], "seg-1", segmentId=segment_id)
    assert result["issuedCount"] == 2
    again = await issue(gql, token, offer["id"], "seg-2", segmentId=segment_id)
    assert again["issuedCount"] == 0  # everyone is at the limit already
    assert await Coupon.all().count() == 2


async def test_brand_isolation(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("acme"))
    other = await app_token(settings, await make_brand("other"))
    mine = await create_customer(gql, token, name="Li")
    theirs = await create_customer(gql, other, name="Wang")
    offer = await create_offer(gql, token)
    # another brand's offer is not found, another brand's customer neither
    body = await issue(gql, other, offer["id"], "x", customerIds=[theirs["id"]])
    assert codes(body) == ["NOT_FOUND"]
    body = await issue(gql, token, offer["id"], "x", customerIds=[mine["id"], theirs["id"]])
    assert codes(body) == ["NOT_FOUND"]
    found = await gql.data("query($id: ID!) { offer(id: $id) { id } }", {"id": offer["id"]}, other)
    assert found["offer"] is None
    assert await Coupon.all().count() == 0


async def test_permissions(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    reader = await app_token(settings, brand, "offers:read customers:read")
    body = await gql.post(CREATE, {"input": {"kind": "GIFT", "title": "Mug"}}, reader)
    assert error_codes(body) == ["FORBIDDEN"]
    no_offers = await app_token(settings, brand, "customers:write")
    c = await create_customer(gql, no_offers, name="Li")
    body = await gql.post(
        "query($id: ID!) { customer(id: $id) { coupons { edges { node { code } } } } }",
        {"id": c["id"]},
        no_offers,
    )
    assert error_codes(body) == ["FORBIDDEN"]
