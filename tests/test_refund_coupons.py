"""A refund gives back the coupon redeemed on the purchase, and the offer its budget and stock."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from config import Settings
from models.events import OutboxEvent
from models.offers import Coupon, Offer
from resolvers.ids import decode_id
from services.loyalty.config import utcnow
from tests.concurrency import concurrently_behind_a_lock
from tests.loyalty_support import record
from tests.offer_helpers import create_offer, issue, redeem
from tests.support import GraphQL, app_token, create_customer, make_brand

REFUND = """mutation($id: ID!, $amount: Decimal) {
  refundPurchase(input: {purchaseId: $id, amount: $amount}) {
    purchase { refundedAmount } restoredCouponIds errors { field code } } }"""
RULE = """mutation($rule: String) { setLoyaltySettings(input: {couponRefundRule: $rule}) {
  settings { couponRefundRule } errors { field code } } }"""


async def setup(gql: GraphQL, token: str, **offer: Any) -> tuple[str, str, Coupon]:
    """A customer who redeemed a coupon (25 off, budget 100, stock 5) on a purchase of 80."""
    li = await create_customer(gql, token, name="Li")
    purchase = (await record(gql, token, customerId=li["id"], amount="80"))["purchase"]["id"]
    values = {"amount": "25", "budget": "100", "stock": 5, **offer}
    created = await create_offer(gql, token, **values)
    assert (await issue(gql, token, created["id"], "k", customerIds=[li["id"]]))["issuedCount"]
    coupon = await Coupon.get(offer_id=decode_id(created["id"], "Offer"))
    done = await redeem(gql, token, coupon.code, purchase)
    assert done["errors"] == [], done
    return li["id"], purchase, coupon


async def refund(gql: GraphQL, token: str, purchase: str, amount: str | None) -> dict[str, Any]:
    body = await gql.data(REFUND, {"id": purchase, "amount": amount}, token)
    result: dict[str, Any] = body["refundPurchase"]
    assert result["errors"] == [], result
    return result


async def test_a_full_refund_gives_the_coupon_back_and_the_budget_too(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    customer, purchase, coupon = await setup(gql, token)
    assert (await Offer.get(id=coupon.offer_id)).spent == Decimal("25")
    done = await refund(gql, token, purchase, None)
    assert len(done["restoredCouponIds"]) == 1
    again = await Coupon.get(id=coupon.id)
    assert (again.status, again.purchase_id, again.discount) == ("ISSUED", None, None)
    offer = await Offer.get(id=coupon.offer_id)
    assert (offer.spent, offer.issued_count) == (Decimal("0"), 1)  # in the customer's hands
    event = await OutboxEvent.get(type="coupon.restored")
    assert event.payload["status"] == "ISSUED" and event.subject_id == str(coupon.id)
    # and it can be used again on the next purchase
    later = (await record(gql, token, customerId=customer, amount="50"))["purchase"]["id"]
    assert (await redeem(gql, token, coupon.code, later))["coupon"]["status"] == "REDEEMED"


async def test_partial_refunds_follow_the_brands_rule(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    _, purchase, coupon = await setup(gql, token)
    first = await refund(gql, token, purchase, "30")  # FULL (default): not yet
    assert first["restoredCouponIds"] == []
    assert (await Coupon.get(id=coupon.id)).status == "REDEEMED"
    rest = await refund(gql, token, purchase, "50")
    assert len(rest["restoredCouponIds"]) == 1
    assert (await Coupon.get(id=coupon.id)).status == "ISSUED"

    other = await app_token(settings, await make_brand("any-rule"))
    rule = await gql.data(RULE, {"rule": "ANY"}, other)
    assert rule["setLoyaltySettings"]["settings"]["couponRefundRule"] == "ANY"
    _, purchase, coupon = await setup(gql, other)
    assert len((await refund(gql, other, purchase, "10"))["restoredCouponIds"]) == 1
    assert (await refund(gql, other, purchase, "70"))["restoredCouponIds"] == []  # once

    never = await app_token(settings, await make_brand("never-rule"))
    await gql.data(RULE, {"rule": "NEVER"}, never)
    _, purchase, coupon = await setup(gql, never)
    assert (await refund(gql, never, purchase, None))["restoredCouponIds"] == []
    assert (await Coupon.get(id=coupon.id)).status == "REDEEMED"
    bad = await gql.data(RULE, {"rule": "SOMETIMES"}, never)
    assert bad["setLoyaltySettings"]["errors"] == [{"field": "couponRefundRule", "code": "INVALID"}]


async def test_an_expired_coupon_comes_back_expired_and_returns_its_stock(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    _, purchase, coupon = await setup(gql, token)
    await Coupon.filter(id=coupon.id).update(expires_at=utcnow() - timedelta(minutes=1))
    await refund(gql, token, purchase, None)
    assert (await Coupon.get(id=coupon.id)).status == "EXPIRED"
    offer = await Offer.get(id=coupon.offer_id)
    assert (offer.spent, offer.issued_count) == (Decimal("0"), 0)


async def test_a_gifts_value_goes_back_to_the_budget(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    _, purchase, coupon = await setup(
        gql, token, kind="GIFT", title="Tote bag", itemValue="12", amount=None
    )
    assert (await Offer.get(id=coupon.offer_id)).spent == Decimal("12")
    await refund(gql, token, purchase, None)
    assert (await Offer.get(id=coupon.offer_id)).spent == Decimal("0")


async def test_concurrent_refunds_give_the_coupon_back_once(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    _, purchase, coupon = await setup(gql, token)
    calls = [gql.data(REFUND, {"id": purchase, "amount": None}, token) for _ in range(6)]
    results = await concurrently_behind_a_lock(coupon.offer_id, calls, table="offers")
    payloads = [r["refundPurchase"] for r in results]
    assert sum(1 for p in payloads if p["errors"] == []) == 1
    assert {e["code"] for p in payloads for e in p["errors"]} == {"REFUND_EXCEEDS_PURCHASE"}
    assert sum(len(p["restoredCouponIds"]) for p in payloads) == 1
    offer = await Offer.get(id=coupon.offer_id)
    assert (offer.spent, offer.issued_count) == (Decimal("0"), 1)
    assert await OutboxEvent.filter(type="coupon.restored").count() == 1
