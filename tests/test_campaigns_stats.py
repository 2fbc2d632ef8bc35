"""`campaign { stats }` on a constructed scenario, every number computed by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from config import Settings
from models import Customer, Purchase
from models.campaigns import CampaignMember
from models.offers import Coupon
from resolvers.ids import from_global_id, to_global_id
from tests.campaign_helpers import NOW, city_segment, create_campaign, iso, launch, stats
from tests.loyalty_support import AWARD, REFUND, mutate, record
from tests.offer_helpers import CLAIM, create_offer, customer_token, redeem
from tests.support import GraphQL, app_token, make_brand


async def test_stats_by_hand(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    people = [
        await Customer.create(brand_id=brand.id, name=f"P{i}", city="Xi'an") for i in range(6)
    ]
    outsider = await Customer.create(brand_id=brand.id, name="Out", city="Beijing")
    coffee = await create_offer(gql, token, title="Coffee 10 off", amount="10")
    mug = await create_offer(
        gql, token, kind="GIFT", title="Mug", pointsCost=300, perCustomerLimit=2
    )
    created = await create_campaign(
        gql,
        token,
        segmentId=await city_segment(gql, token, "Xi'an"),
        offerIds=[coffee["id"], mug["id"]],
        startsAt=iso(-10),
        endsAt=iso(1),
        holdoutPercent="50",
    )
    campaign_id = created["campaign"]["id"]
    assert (await launch(gql, token, campaign_id))["errors"] == []
    arms = dict(
        await CampaignMember.filter(campaign_id=from_global_id(campaign_id)[1]).values_list(
            "customer_id", "arm"
        )
    )
    assert set(arms) == {p.id for p in people}
    t1, t2, t3 = sorted(i for i, arm in arms.items() if arm == "TREATED")
    h1, h2, _h3 = sorted(i for i, arm in arms.items() if arm == "HOLDOUT")

    def gid(pk: int) -> str:
        return to_global_id("Customer", pk)

    # t1 buys 100 now and redeems the coffee coupon (10 off)
    bought = await record(gql, token, customerId=gid(t1), amount="100")
    code = (await Coupon.get(customer_id=t1, offer_id=from_global_id(coffee["id"])[1])).code
    assert (await redeem(gql, token, code, bought["purchase"]["id"]))["errors"] == []
    # t2: 50 in the window, 30 refunded in full, 500 before the window, 999 after it
    await record(gql, token, customerId=gid(t2), amount="50", occurredAt=iso(-5))
    refunded = await record(gql, token, customerId=gid(t2), amount="30", occurredAt=iso(-3))
    await mutate(gql, token, REFUND, "refundPurchase", purchaseId=refunded["purchase"]["id"])
    await record(gql, token, customerId=gid(t2), amount="500", occurredAt=iso(-15))
    await Purchase.create(
        brand_id=brand.id, customer_id=t2, amount=Decimal(999), occurred_at=NOW + timedelta(days=2)
    )
    # t3 spends nothing but claims a second mug for 300 points; so does h1 (not counted)
    for claimer in (t3, h1):
        await mutate(gql, token, AWARD, "awardPoints", customerId=gid(claimer), points=500)
        mine = await customer_token(gql, token, gid(claimer))
        claim = await gql.data(CLAIM, {"input": {"offerId": mug["id"]}}, mine)
        assert claim["claimOffer"]["errors"] == []
    # holdout: h1 spends 30 in the window, h2 80 long before it, h3 nothing
    await record(gql, token, customerId=gid(h1), amount="30", occurredAt=iso(-2))
    await record(gql, token, customerId=gid(h2), amount="80", occurredAt=iso(-30))
    # someone outside the segment spends in the window: not in either group
    await record(gql, token, customerId=gid(outsider.id), amount="1000", occurredAt=iso(-1))

    found = await stats(gql, token, campaign_id)
    assert found is not None and found["status"] == "LAUNCHED"
    s = found["stats"]
    assert (s["targeted"], s["treated"], s["holdout"]) == (6, 3, 3)
    # 2 offers x 3 treated; claimed coupons are not the campaign's issue
    assert (s["issued"], s["redeemed"], s["participants"]) == (6, 1, 1)
    assert (s["redemptionRate"], s["participationRate"]) == (16.67, 33.33)
    # treated spent 100, 50, 0 (the refund and the out-of-window purchases excluded)
    assert (s["treatedRevenue"], s["holdoutRevenue"]) == ("150.00", "30.00")
    assert (s["treatedRevenuePerCustomer"], s["holdoutRevenuePerCustomer"]) == ("50.00", "10.00")
    # the 11 days before the window: t2's 500 over 3 treated; h2's 80 is older still
    assert s["treatedRevenuePerCustomerBefore"] == "166.67"
    assert s["holdoutRevenuePerCustomerBefore"] == "0.00"
    # s^2 treated = (12500 - 150^2/3)/2 = 2500, holdout = (900 - 30^2/3)/2 = 300
    # se = sqrt(2500/3 + 300/3) = 30.5505; 1.96 se = 59.879
    # percent: sqrt(833.33/10^2 + 50^2 * 100/10^4) = 5.7735; 1.96 x = 11.3161
    assert s["uplift"] == {
        "absolute": "40.00",
        "percent": 400.0,
        "confidenceLow": "-19.88",
        "confidenceHigh": "99.88",
        "percentConfidenceLow": -731.61,
        "percentConfidenceHigh": 1531.61,
        "significant": False,
    }
    assert s["incrementalRevenue"] == "120.00"  # 40 x 3 treated
    assert s["discountCost"] == "10.00"
    assert s["pointsSpent"] == 300  # t3's claim; h1 is in the holdout
    assert s["returnOnCost"] == 12.0  # 120 / 10
