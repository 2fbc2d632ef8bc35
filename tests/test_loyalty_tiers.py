from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from config import Settings
from models import Membership, TierChange
from resolvers.ids import decode_id
from services.analytics import lifecycle as analytics
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from services.loyalty import tier_review
from tests.loyalty_support import loyalty, record
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

LADDER = """
mutation($input: SetTierLadderInput!) { setTierLadder(input: $input) {
  tiers { name rank rule { consecutiveMonths monthlyMin } benefits { pointsMultiplier } }
  errors { field code } } }
"""
SET_TIER = """
mutation($input: SetMemberTierInput!) { setMemberTier(input: $input) {
  membership { tier { name } } errors { field code } } }
"""


BRAND_ZONE = ZoneInfo("Asia/Shanghai")  # a new brand's default time zone


def months_ago(n: int) -> str:
    """A moment n calendar months back, in the brand's zone (months are counted there, so near a
    month's end UTC may still be in the month before): mid-month, or for this month halfway
    between its start and now, never in the future."""
    now = datetime.now(BRAND_ZONE)
    year, month = now.year, now.month - n
    while month <= 0:
        month += 12
        year -= 1
    moment = now.replace(year=year, month=month, day=15, hour=12, minute=0, second=0)
    if moment > now:
        start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        moment = start + (now - start) / 2
    return moment.isoformat()


async def test_default_ladder_and_consecutive_months_upgrade(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    for n in (3, 2, 1):
        r = await record(gql, token, customerId=c["id"], amount="250", occurredAt=months_ago(n))
        assert r["errors"] == []
    assert r["membership"]["tier"]["name"] == "Silver"  # 3 consecutive months, same transaction
    data = await loyalty(gql, token, c["id"])
    m = data["membership"]
    assert m["tierProgress"] == {
        "nextTier": {"name": "Gold"},
        "missingSpend": "200",  # this month counts once it reaches 200
        "missingMonths": 3,
    }
    assert [(h["fromTier"], h["toTier"]) for h in m["tierHistory"]] == [
        ("Regular", "Silver"),
        (None, "Regular"),
    ]


async def test_a_gap_month_breaks_the_streak(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    for n, amount in ((4, "250"), (3, "250"), (2, "50"), (1, "250")):
        r = await record(gql, token, customerId=c["id"], amount=amount, occurredAt=months_ago(n))
    assert r["membership"]["tier"]["name"] == "Regular"


async def test_set_tier_ladder_with_brand_words(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    tiers = [
        {"name": "普通会员", "rank": 0},
        {"name": "银卡", "rank": 1, "minLifetimeSpend": "100", "pointsMultiplier": "1.5"},
        {"name": "金卡", "rank": 2, "consecutiveMonths": 2, "monthlyMin": "50"},
    ]
    body = await gql.data(LADDER, {"input": {"tiers": tiers}}, token)
    assert [t["name"] for t in body["setTierLadder"]["tiers"]] == ["普通会员", "银卡", "金卡"]
    c = await create_customer(gql, token, name="Li")
    r = await record(gql, token, customerId=c["id"], amount="150")
    assert r["membership"]["tier"]["name"] == "银卡"
    assert r["pointsEarned"] == 150  # multiplier of the tier held before the purchase
    r = await record(gql, token, customerId=c["id"], amount="10")
    assert r["pointsEarned"] == 15
    bad = await gql.data(
        LADDER, {"input": {"tiers": [{"name": "A", "rank": 0}, {"name": "A", "rank": 1}]}}, token
    )
    assert bad["setTierLadder"]["errors"][0]["code"] == "DUPLICATE"
    bad = await gql.data(
        LADDER, {"input": {"tiers": [{"name": "A", "rank": 0, "minLifetimeSpend": "1.001"}]}}, token
    )
    assert bad["setTierLadder"]["errors"][0]["code"] == "INVALID"


async def test_set_member_tier_unknown_tier_and_floor(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    bad = await gql.data(SET_TIER, {"input": {"customerId": c["id"], "tier": "Diamond"}}, token)
    assert bad["setMemberTier"]["errors"] == [{"field": "tier", "code": "UNKNOWN_TIER"}]
    assert (await loyalty(gql, token, c["id"]))["membership"] is None
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    ok = await gql.data(
        SET_TIER,
        {"input": {"customerId": c["id"], "tier": "Gold", "until": until, "reason": "VIP"}},
        token,
    )
    assert ok["setMemberTier"]["membership"]["tier"]["name"] == "Gold"
    pk = decode_id(c["id"], "Customer")
    await Membership.filter(customer_id=pk).update(
        next_review_at=datetime.now(UTC), tier_since=datetime(2020, 1, 1, tzinfo=UTC)
    )
    await tier_review.review(brand, datetime.now(UTC) + timedelta(days=1))
    assert (await loyalty(gql, token, c["id"]))["membership"]["tier"]["name"] == "Gold"
    # after the manual tier expires the review starts the grace period, then brings them down
    await tier_review.review(brand, datetime.now(UTC) + timedelta(days=200))
    data = await loyalty(gql, token, c["id"])
    assert (data["membership"]["tier"]["name"], data["membership"]["status"]) == ("Gold", "GRACE")
    await tier_review.review(brand, datetime.now(UTC) + timedelta(days=231))
    data = await loyalty(gql, token, c["id"])
    assert data["membership"]["tier"]["name"] == "Regular"
    assert data["membership"]["tierHistory"][0]["reason"].startswith("review")


async def test_review_upgrades_and_downgrades_set_based(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    keeper = await create_customer(gql, token, name="Keeper")
    lapsed = await create_customer(gql, token, name="Lapsed")
    for n in (3, 2, 1, 0):
        await record(gql, token, customerId=keeper["id"], amount="300", occurredAt=months_ago(n))
    for n in (7, 6, 5):
        await record(gql, token, customerId=lapsed["id"], amount="300", occurredAt=months_ago(n))
    pk = decode_id(lapsed["id"], "Customer")
    silver = await loyalty_config.tier_by_name(brand.id, "Silver", "tier")
    await Membership.filter(customer_id=pk).update(
        tier_id=silver.id,
        tier_since=datetime(2020, 1, 1, tzinfo=UTC),
        next_review_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    first = await tier_review.review_brand(brand)
    assert (first.changed, first.grace_started) == (0, 1)  # default grace: 30 days
    assert (await loyalty(gql, token, lapsed["id"]))["membership"]["status"] == "GRACE"
    assert await tier_review.review(brand) == 0  # still within the grace period
    changed = await tier_review.review(brand, datetime.now(UTC) + timedelta(days=31))
    assert changed == 1
    assert (await loyalty(gql, token, lapsed["id"]))["membership"]["tier"]["name"] == "Regular"
    assert (await loyalty(gql, token, keeper["id"]))["membership"]["tier"]["name"] == "Silver"
    assert await TierChange.filter(reason__startswith="review").count() == 1
    assert await tier_review.review(brand, datetime.now(UTC) + timedelta(days=31)) == 0


async def test_analytics_refresh_and_filters(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    ids = []
    for i in range(10):
        c = await create_customer(gql, token, name=f"C{i}")
        ids.append(c["id"])
        for _ in range(i % 3 + 1):
            await record(
                gql, token, customerId=c["id"], amount=str(10 * (i + 1)), occurredAt=months_ago(i)
            )
    prospect = await create_customer(gql, token, name="P")
    touched = await analytics.refresh(brand)
    assert touched == 10
    best = await loyalty(gql, token, ids[0])
    assert best["rfm"]["recencyDays"] is not None and best["valueTier"] is not None
    assert (await loyalty(gql, token, prospect["id"]))["lifecycleStage"] == "PROSPECT"
    listing = await gql.data(
        "{ customers(filter: {lifecycleStage: PROSPECT}) { edges { node { name } } } }", token=token
    )
    assert [e["node"]["name"] for e in listing["customers"]["edges"]] == ["P"]
    tiers = await gql.data(
        """{ customers(first: 100, filter: {tier: "Regular"}) { totalCount } }""", token=token
    )
    assert tiers["customers"]["totalCount"] >= 1
    unknown = await gql.post(
        """{ customers(filter: {tier: "Diamond"}) { totalCount edges { node { name } } } }""",
        token=token,
    )
    assert error_codes(unknown) == ["BAD_USER_INPUT"]
    assert unknown["errors"][0]["extensions"]["reason"] == "UNKNOWN_TIER"
    assert "'Diamond'" in unknown["errors"][0]["message"]
    assert "Regular, Silver, Gold, Platinum" in unknown["errors"][0]["message"]
    high = await gql.data(
        "{ customers(first: 100, filter: {valueTier: HIGH_VALUE}) { totalCount } }", token=token
    )
    all_tiers = [(await loyalty(gql, token, i))["valueTier"] for i in ids]
    assert high["customers"]["totalCount"] == all_tiers.count("HIGH_VALUE")
    assert Actor.system(brand.id).brand_id == brand.id
