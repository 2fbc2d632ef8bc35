"""Customers claiming offers: eligibility, stock, limits, the points-cost catalogue."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from config import Settings
from models import Membership, PointsTransaction
from models.events import OutboxEvent
from models.offers import Coupon, Offer
from tests.loyalty_support import AWARD, mutate, record
from tests.offer_helpers import CLAIM, ME, codes, create_offer, customer_token, issue
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

SET_TIER = """
mutation($input: SetMemberTierInput!) { setMemberTier(input: $input) {
  membership { tier { name } } errors { code } } }
"""


async def _claim(gql: GraphQL, token: str, offer_id: str) -> dict[str, Any]:
    body = await gql.data(CLAIM, {"input": {"offerId": offer_id}}, token)
    result: dict[str, Any] = body["claimOffer"]
    return result


async def test_claim_and_me(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    mine = await customer_token(gql, token, li["id"])
    offer = await create_offer(gql, token, title="Coffee", stock=10)
    later = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    await create_offer(gql, token, title="Not yet", startsAt=later)
    me = (await gql.data(ME, token=mine))["me"]
    assert [e["node"]["title"] for e in me["availableOffers"]["edges"]] == ["Coffee"]
    claimed = await _claim(gql, mine, offer["id"])
    assert claimed["errors"] == []
    me = (await gql.data(ME, token=mine))["me"]
    assert [e["node"]["status"] for e in me["coupons"]["edges"]] == ["ISSUED"]
    assert me["availableOffers"]["edges"] == []  # at the limit of one now
    again = await _claim(gql, mine, offer["id"])
    assert codes(again) == ["LIMIT_REACHED"]
    assert await Coupon.all().count() == 1
    assert await OutboxEvent.filter(type="coupon.issued").count() == 1
    # staff tokens cannot claim
    assert error_codes(await gql.post(CLAIM, {"input": {"offerId": offer["id"]}}, token)) == [
        "FORBIDDEN"
    ]


async def test_claim_refusals_write_nothing(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li", birthday="1990-01-01")
    mine = await customer_token(gql, token, li["id"])
    gold = await create_offer(gql, token, title="Gold", tiers=["Gold"])
    assert codes(await _claim(gql, mine, gold["id"])) == ["NOT_ELIGIBLE"]
    await gql.data(SET_TIER, {"input": {"customerId": li["id"], "tier": "Gold"}}, token)
    assert (await _claim(gql, mine, gold["id"]))["errors"] == []
    this_month = datetime.now(UTC).month
    if this_month != 1:  # the brand is in Asia/Shanghai; January birthdays are not this month
        bday = await create_offer(gql, token, title="Birthday", birthdayMonth=True)
        assert codes(await _claim(gql, mine, bday["id"])) == ["NOT_ELIGIBLE"]
    sold_out = await create_offer(gql, token, title="Gone", stock=0)
    assert codes(await _claim(gql, mine, sold_out["id"])) == ["OUT_OF_STOCK"]
    ended = await create_offer(
        gql, token, title="Ended", endsAt=(datetime.now(UTC) - timedelta(days=1)).isoformat()
    )
    assert codes(await _claim(gql, mine, ended["id"])) == ["OFFER_INACTIVE"]
    stages = await create_offer(gql, token, title="Churned", lifecycleStages=["CHURNED"])
    assert codes(await _claim(gql, mine, stages["id"])) == ["NOT_ELIGIBLE"]
    assert await Coupon.all().count() == 1
    assert (await Offer.get(title="Gone")).issued_count == 0


async def test_new_members_only(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    old = await create_customer(gql, token, name="Old")
    await record(gql, token, customerId=old["id"], amount="5")
    await Membership.filter().update(enrolled_at=datetime.now(UTC) - timedelta(days=400))
    new = await create_customer(gql, token, name="New")
    offer = await create_offer(gql, token, newMembersOnly=True)
    assert codes(await _claim(gql, await customer_token(gql, token, old["id"]), offer["id"])) == [
        "NOT_ELIGIBLE"
    ]
    assert (await _claim(gql, await customer_token(gql, token, new["id"]), offer["id"]))[
        "errors"
    ] == []


async def test_points_cost_claim_is_atomic(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    mine = await customer_token(gql, token, li["id"])
    reward = await create_offer(gql, token, kind="GIFT", title="Mug", pointsCost=300, stock=5)
    # no points: nothing written, not even a membership
    assert codes(await _claim(gql, mine, reward["id"])) == ["INSUFFICIENT_POINTS"]
    assert await Coupon.all().count() == 0
    assert await PointsTransaction.all().count() == 0
    assert (await Offer.get(title="Mug")).issued_count == 0
    await mutate(gql, token, AWARD, "awardPoints", customerId=li["id"], points=500, reason="gift")
    claimed = await _claim(gql, mine, reward["id"])
    assert claimed["errors"] == []
    me = (await gql.data(ME, token=mine))["me"]
    assert me["points"]["available"] == 200
    redeem = await PointsTransaction.get(kind="REDEEM")
    assert (redeem.amount, redeem.source) == (-300, "offer")
    assert await OutboxEvent.filter(type="points.changed").count() == 2
    # a second one would need 300 more points than are left
    again = await create_offer(gql, token, kind="GIFT", title="Cup", pointsCost=300)
    assert codes(await _claim(gql, mine, again["id"])) == ["INSUFFICIENT_POINTS"]
    assert (await Membership.get()).available == 200
    assert await Coupon.all().count() == 1


async def test_concurrent_claims_never_oversell(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    people = [await create_customer(gql, token, name=f"C{i}") for i in range(12)]
    tokens = [await customer_token(gql, token, p["id"]) for p in people]
    offer = await create_offer(gql, token, title="Few", stock=5)
    bulk = asyncio.gather(
        *[_claim(gql, t, offer["id"]) for t in tokens],
        issue(gql, token, offer["id"], "bulk", customerIds=[p["id"] for p in people]),
    )
    results = await bulk
    claims, issued = results[:-1], results[-1]
    won = [r for r in claims if r["errors"] == []]
    lost = {c for r in claims for c in codes(r)}
    assert lost <= {"OUT_OF_STOCK", "LIMIT_REACHED"}
    assert len(won) + (issued["issuedCount"] or 0) == 5
    assert await Coupon.all().count() == 5
    assert (await Offer.get()).issued_count == 5
