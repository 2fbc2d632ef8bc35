"""Validating (dry run) and redeeming coupons: each refusal its own code, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from config import Settings
from models import AuditEntry
from models.events import OutboxEvent
from models.offers import Coupon, Offer
from tests.loyalty_support import record
from tests.offer_helpers import VALIDATE, VOID, codes, create_offer, issue, redeem
from tests.support import GraphQL, app_token, create_customer, make_brand

PURCHASE = """
query($id: ID!) { customer(id: $id) { purchases { edges { node {
  id discount coupons { code status } } } } } }
"""


async def _coupon_for(gql: GraphQL, token: str, customer_id: str, **offer: object) -> str:
    created = await create_offer(gql, token, **offer)
    key = f"k-{created['id']}-{customer_id}"
    assert (await issue(gql, token, created["id"], key, customerIds=[customer_id]))["issuedCount"]
    coupon = await Coupon.filter(offer_id=await _pk(created["id"])).order_by("-id").first()
    assert coupon is not None
    return coupon.code


async def _pk(global_id: str) -> int:
    from resolvers.ids import decode_id

    return decode_id(global_id, "Offer")


async def _validate(gql: GraphQL, token: str, code: str, **cart: object) -> dict[str, object]:
    body = await gql.data(VALIDATE, {"code": code, "cart": cart}, token)
    result: dict[str, object] = body["validateCoupon"]
    return result


async def test_validate_computes_each_kind(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    amount = await _coupon_for(gql, token, li["id"], amount="30")
    percent = await _coupon_for(gql, token, li["id"], kind="PERCENT_OFF", percent="15")
    free = await _coupon_for(gql, token, li["id"], kind="FREE_ITEM", itemSku="LATTE")
    gift = await _coupon_for(gql, token, li["id"], kind="GIFT", title="Mug", itemValue="8")
    items = [{"sku": "LATTE", "unitPrice": "32", "quantity": 2}]
    cart = {"amount": "64.50", "items": items}
    assert (await _validate(gql, token, amount, **cart))["discount"] == "30.00"
    assert (await _validate(gql, token, percent.lower(), **cart))["discount"] == "9.68"
    assert (await _validate(gql, token, free, **cart))["discount"] == "32.00"
    assert (await _validate(gql, token, gift, **cart))["discount"] == "0.00"
    no_latte = await _validate(gql, token, free, amount="10")
    assert codes(no_latte) == ["NOT_ELIGIBLE"] and no_latte["valid"] is False
    # a dry run writes nothing
    assert await Coupon.filter(status="REDEEMED").count() == 0
    assert (await Offer.get(kind="AMOUNT_OFF")).spent == 0


async def test_every_refusal_has_its_code(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("acme"))
    other_token = await app_token(settings, await make_brand("other"))
    li = await create_customer(gql, token, name="Li")
    wang = await create_customer(gql, token, name="Wang")
    purchase = (await record(gql, token, customerId=li["id"], amount="50", storeId="S1"))[
        "purchase"
    ]["id"]
    expired = await _coupon_for(gql, token, li["id"], couponDays=1)
    await Coupon.filter(code=expired).update(expires_at=datetime.now(UTC) - timedelta(hours=1))
    voided = await _coupon_for(gql, token, li["id"])
    vid = (await Coupon.get(code=voided)).id
    from resolvers.ids import to_global_id

    void = await gql.data(VOID, {"input": {"couponId": to_global_id("Coupon", vid)}}, token)
    assert void["voidCoupon"]["coupon"]["status"] == "VOID"
    wangs = await _coupon_for(gql, token, wang["id"])
    minimum = await _coupon_for(gql, token, li["id"], minPurchase="100")
    store = await _coupon_for(gql, token, li["id"], stores=["S2"])
    budget = await _coupon_for(gql, token, li["id"], amount="20", budget="15")
    cases = {
        expired: "COUPON_EXPIRED",
        voided: "COUPON_VOID",
        wangs: "COUPON_NOT_OWNED",
        minimum: "BELOW_MINIMUM_PURCHASE",
        store: "NOT_ELIGIBLE",
        budget: "BUDGET_EXHAUSTED",
        "NOSUCHCODE": "NOT_FOUND",
    }
    for code, expected in cases.items():
        assert codes(await redeem(gql, token, code, purchase)) == [expected], code
    # another brand cannot see the coupon at all
    other_buyer = await create_customer(gql, other_token, name="Zhao")
    other_purchase = (await record(gql, other_token, customerId=other_buyer["id"], amount="50"))[
        "purchase"
    ]["id"]
    good = await _coupon_for(gql, token, li["id"])
    assert codes(await redeem(gql, other_token, good, other_purchase)) == ["NOT_FOUND"]
    assert codes(await redeem(gql, token, good, other_purchase)) == ["NOT_FOUND"]
    assert await Coupon.filter(status="REDEEMED").count() == 0
    assert await OutboxEvent.filter(type="coupon.redeemed").count() == 0
    assert await AuditEntry.filter(operation="redeemCoupon").count() == 0
    # and the good one works once
    done = await redeem(gql, token, good, purchase)
    assert done["errors"] == [] and done["coupon"]["status"] == "REDEEMED"
    assert codes(await redeem(gql, token, good, purchase)) == ["COUPON_ALREADY_REDEEMED"]


async def test_redeem_stores_the_discount_and_charges_the_budget(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    first = (await record(gql, token, customerId=li["id"], amount="80"))["purchase"]["id"]
    second = (await record(gql, token, customerId=li["id"], amount="80"))["purchase"]["id"]
    offer = await create_offer(gql, token, amount="25", budget="40", perCustomerLimit=2)
    await issue(gql, token, offer["id"], "one", customerIds=[li["id"]])
    await issue(gql, token, offer["id"], "two", customerIds=[li["id"]])
    a, b = [c.code for c in await Coupon.all().order_by("id")]
    done = await redeem(gql, token, a, first)
    assert done["coupon"]["discount"] == "25.00" and done["coupon"]["purchaseId"] == first
    # 25 more would pass the budget of 40
    assert codes(await redeem(gql, token, b, second)) == ["BUDGET_EXHAUSTED"]
    assert (await Offer.get()).spent == Decimal("25")
    body = await gql.data(PURCHASE, {"id": li["id"]}, token)
    by_id = {e["node"]["id"]: e["node"] for e in body["customer"]["purchases"]["edges"]}
    assert by_id[first]["discount"] == "25.00"
    assert by_id[first]["coupons"] == [{"code": a, "status": "REDEEMED"}]
    assert by_id[second]["discount"] == "0"
    event = await OutboxEvent.get(type="coupon.redeemed")
    assert event.payload["discount"] == "25.00"


async def test_twenty_concurrent_redemptions_redeem_once(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    purchase = (await record(gql, token, customerId=li["id"], amount="99"))["purchase"]["id"]
    code = await _coupon_for(gql, token, li["id"], amount="10", budget="1000")
    results = await asyncio.gather(*[redeem(gql, token, code, purchase) for _ in range(20)])
    ok = [r for r in results if r["errors"] == []]
    assert len(ok) == 1
    assert sorted({c for r in results for c in codes(r)}) == ["COUPON_ALREADY_REDEEMED"]
    assert (await Offer.get()).spent == Decimal("10")
    assert await OutboxEvent.filter(type="coupon.redeemed").count() == 1
    assert await AuditEntry.filter(operation="redeemCoupon").count() == 1


async def test_coupons_filter_by_effective_status(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    await _coupon_for(gql, token, li["id"], title="Live")
    old = await _coupon_for(gql, token, li["id"], title="Old")
    await Coupon.filter(code=old).update(expires_at=datetime.now(UTC) - timedelta(hours=1))
    query = """query($id: ID!, $s: CouponStatus) { customer(id: $id) {
      coupons(status: $s) { edges { node { status offer { title } } } } } }"""
    for status, title in (("ISSUED", "Live"), ("EXPIRED", "Old")):
        body = await gql.data(query, {"id": li["id"], "s": status}, token)
        nodes = [e["node"] for e in body["customer"]["coupons"]["edges"]]
        assert nodes == [{"status": status, "offer": {"title": title}}]
