"""Dry runs: the real operation, answered, and nothing kept: every table's row count and the
event stream (outbox) unchanged, no webhook queued."""

from __future__ import annotations

from typing import Any

from config import Settings
from models.events import Webhook
from tests.offer_helpers import create_offer, issue
from tests.onboarding_support import assert_unchanged, table_counts
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_earning import _configure
from tests.test_loyalty_tiers import LADDER

RECORD = """
mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  purchase { id } pointsEarned membership { tier { name } }
  preview { pointsEarned capped balanceBefore balanceAfter pendingAfter tierBefore tierAfter
    tierChanged multiplierOffer multiplierCoupon events replayed
    earning { earnRate basePoints promotions { name multiplier } promotedPoints tierMultiplier
      offerMultiplier points }
    applicableCoupons { code offerName discount } }
  errors { field code message } } }
"""
AWARD = """
mutation($input: AwardPointsInput!) { awardPoints(input: $input) {
  transaction { id amount balanceAfter }
  preview { points balanceBefore balanceAfter expiresAt events replayed }
  errors { field code } } }
"""
REDEEM = """
mutation($input: RedeemCouponInput!) { redeemCoupon(input: $input) {
  dryRun coupon { code status discount } errors { field code } } }
"""
ISSUE = """
mutation($input: IssueOfferInput!) { issueOffer(input: $input) {
  dryRun issuedCount offer { issuedCount } errors { field code } } }
"""
ITEMS = [
    {"sku": "LAT", "name": "Latte", "category": "coffee", "quantity": 1, "unitPrice": "20"},
    {"sku": "CAK", "name": "Cake", "category": "food", "quantity": 1, "unitPrice": "30"},
]


async def brand_with_rules(gql: GraphQL, settings: Settings) -> dict[str, Any]:
    brand = await make_brand()
    token = await app_token(settings, brand)
    tiers = [{"name": "Member", "rank": 0}, {"name": "VIP", "rank": 1, "minLifetimeSpend": "100"}]
    assert (await gql.data(LADDER, {"input": {"tiers": tiers}}, token))["setTierLadder"][
        "errors"
    ] == []
    promotions = [{"name": "Coffee", "multiplier": "2", "category": "coffee"}]
    assert (await _configure(gql, token, promotions=promotions, expiryRule="DAYS"))["errors"] == []
    await create_offer(
        gql, token, kind="POINTS_MULTIPLIER", title="Autumn x1.5", multiplier="1.5", automatic=True
    )
    # a live webhook for every event: a dry run must queue nothing for it
    await Webhook.create(brand_id=brand.id, url="https://hooks.example.com/x", secret="s" * 20)
    li = await create_customer(gql, token, name="Li")
    first = {"customerId": li["id"], "amount": "60", "externalId": "t-1"}
    assert (await gql.data(RECORD, {"input": first}, token))["recordPurchase"]["errors"] == []
    ten_off = await create_offer(gql, token, title="10 off", amount="10", minPurchase="40")
    assert (await issue(gql, token, ten_off["id"], "k1", customerIds=[li["id"]]))[
        "issuedCount"
    ] == 1
    return {"token": token, "li": li, "offer": ten_off}


async def test_a_dry_run_purchase_answers_everything_and_writes_nothing(
    gql: GraphQL, settings: Settings
) -> None:
    s = await brand_with_rules(gql, settings)
    purchase = {"customerId": s["li"]["id"], "amount": "50", "items": ITEMS, "externalId": "t-2"}
    before = await table_counts()
    body = await gql.data(RECORD, {"input": {**purchase, "dryRun": True}}, s["token"])
    answer = body["recordPurchase"]
    assert answer["errors"] == [] and answer["purchase"] is None
    preview = answer["preview"]
    # coffee 20 x2 + cake 30 = 70, x1 as Member, x1.5 for the automatic offer: 105
    assert preview["earning"] == {
        "earnRate": "1.0000",
        "basePoints": "50.00",
        "promotions": [{"name": "Coffee", "multiplier": "2"}],
        "promotedPoints": "70.00",
        "tierMultiplier": "1.00",
        "offerMultiplier": "1.50",
        "points": 105,
    }
    assert preview["pointsEarned"] == 105 and preview["capped"] is False
    # the first purchase earned 60 x1.5 = 90
    assert (preview["balanceBefore"], preview["balanceAfter"]) == (90, 195)
    assert (preview["tierBefore"], preview["tierAfter"], preview["tierChanged"]) == (
        "Member",
        "VIP",
        True,
    )
    assert preview["multiplierOffer"] == "Autumn x1.5" and preview["multiplierCoupon"] is None
    assert [(c["offerName"], c["discount"]) for c in preview["applicableCoupons"]] == [
        ("10 off", "10.00")
    ]
    assert preview["events"] == ["points.changed", "membership.tier_changed", "purchase.recorded"]
    assert preview["replayed"] is False
    await assert_unchanged(before)  # no row anywhere, no outbox event, no webhook delivery

    real = (await gql.data(RECORD, {"input": purchase}, s["token"]))["recordPurchase"]
    assert real["pointsEarned"] == 105 and real["membership"]["tier"]["name"] == "VIP"
    again = await gql.data(RECORD, {"input": {**purchase, "dryRun": True}}, s["token"])
    assert again["recordPurchase"]["preview"]["replayed"] is True


async def test_a_dry_run_with_bad_input_reports_it_like_the_real_call(
    gql: GraphQL, settings: Settings
) -> None:
    s = await brand_with_rules(gql, settings)
    bad = {"customerId": s["li"]["id"], "amount": "-1", "dryRun": True}
    answer = (await gql.data(RECORD, {"input": bad}, s["token"]))["recordPurchase"]
    assert [e["code"] for e in answer["errors"]] == ["INVALID"] and answer["preview"] is None


async def test_dry_run_awards_redemptions_and_issuance(gql: GraphQL, settings: Settings) -> None:
    s = await brand_with_rules(gql, settings)
    token, li = s["token"], s["li"]
    before = await table_counts()
    award = {"customerId": li["id"], "points": 25, "reason": "sorry", "dryRun": True}
    preview = (await gql.data(AWARD, {"input": award}, token))["awardPoints"]
    assert preview["transaction"] is None
    assert preview["preview"]["points"] == 25
    assert (preview["preview"]["balanceBefore"], preview["preview"]["balanceAfter"]) == (90, 115)
    assert preview["preview"]["expiresAt"] is not None  # DAYS: a lot with the brand's expiry
    assert preview["preview"]["events"] == ["points.changed"]

    from models import Purchase

    purchase_id = (await Purchase.filter(external_id="t-1").first()).id  # type: ignore[union-attr]
    from resolvers.ids import to_global_id

    coupons = await gql.data(
        "query($id: ID!) { customer(id: $id) { coupons(first: 5) { edges { node { code } } } } }",
        {"id": li["id"]},
        token,
    )
    code = coupons["customer"]["coupons"]["edges"][0]["node"]["code"]
    redeem = {"code": code, "purchaseId": to_global_id("Purchase", purchase_id), "dryRun": True}
    redeemed = (await gql.data(REDEEM, {"input": redeem}, token))["redeemCoupon"]
    assert redeemed["dryRun"] is True
    assert (redeemed["coupon"]["status"], redeemed["coupon"]["discount"]) == ("REDEEMED", "10.00")

    other = await create_customer(gql, token, name="Bo")
    issuance = {
        "offerId": s["offer"]["id"],
        "customerIds": [li["id"], other["id"]],
        "idempotencyKey": "dry-1",
        "dryRun": True,
    }
    issued = (await gql.data(ISSUE, {"input": issuance}, token))["issueOffer"]
    # Li holds one already (limit 1 per customer): only Bo would get one
    assert (issued["dryRun"], issued["issuedCount"], issued["offer"]["issuedCount"]) == (True, 1, 1)
    after_create = await table_counts()
    assert {t: after_create[t] - before[t] for t in before if after_create[t] != before[t]} == {
        "customers": 1,
        "audit_entries": 1,
        "outbox_events": 1,
        "webhook_deliveries": 1,
    }  # only the real createCustomer left a trace (its event, to the webhook)
    real = (await gql.data(REDEEM, {"input": {**redeem, "dryRun": False}}, token))["redeemCoupon"]
    assert real["dryRun"] is False and real["coupon"]["status"] == "REDEEMED"
