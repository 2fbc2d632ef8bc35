"""Scheduled issuance, double-points offers in earning, and coupons following a merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cli.main import build_parser
from config import Settings
from models import Brand, Membership
from models.events import OutboxEvent
from models.offers import Coupon
from services.offers.schedules import run_schedules
from tests.loyalty_support import record
from tests.offer_helpers import coupons, create_offer, issue
from tests.support import GraphQL, app_token, create_customer, make_brand

SET_TIER = """
mutation($input: SetMemberTierInput!) { setMemberTier(input: $input) {
  membership { tier { name } } errors { code } } }
"""
MERGE = """
mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  customer { id } errors { code } } }
"""


def _birthday_this_month(brand: Brand) -> str:
    today = datetime.now(ZoneInfo(brand.timezone))
    return today.replace(year=1990, day=1).date().isoformat()


def _birthday_other_month(brand: Brand) -> str:
    today = datetime.now(ZoneInfo(brand.timezone))
    return today.replace(year=1990, day=1, month=today.month % 12 + 1).date().isoformat()


async def test_schedules_issue_once_per_period(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    party = await create_customer(gql, token, name="Party", birthday=_birthday_this_month(brand))
    await create_customer(gql, token, name="Later", birthday=_birthday_other_month(brand))
    await create_offer(gql, token, title="Birthday", trigger="BIRTHDAY", couponDays=30)
    await create_offer(gql, token, title="Welcome", trigger="ENROLMENT")
    await create_offer(
        gql, token, title="Silver gift", trigger="TIER_UPGRADE", triggerTier="Silver"
    )
    member = await create_customer(gql, token, name="Member")
    await record(gql, token, customerId=member["id"], amount="5")  # enrols
    await gql.data(SET_TIER, {"input": {"customerId": member["id"], "tier": "Silver"}}, token)

    first = await run_schedules(brand)
    assert first == {"BIRTHDAY": 1, "ENROLMENT": 1, "TIER_UPGRADE": 1, "expired": 0}
    assert [c["offer"]["title"] for c in await coupons(gql, token, party["id"])] == ["Birthday"]
    titles = sorted(c["offer"]["title"] for c in await coupons(gql, token, member["id"]))
    assert titles == ["Silver gift", "Welcome"]
    again = await run_schedules(brand)
    assert again == {"BIRTHDAY": 0, "ENROLMENT": 0, "TIER_UPGRADE": 0, "expired": 0}
    assert await OutboxEvent.filter(type="coupon.issued").count() == 3
    # expiry job: past-due coupons become EXPIRED
    await Coupon.filter(period__not_isnull=True).update(
        expires_at=datetime.now(UTC) - timedelta(minutes=1)
    )
    assert (await run_schedules(brand))["expired"] == 3
    args = build_parser().parse_args(["offers", "run-schedules", "--brand", "acme"])
    assert args.brand == "acme" and callable(args.func)


async def test_schedules_respect_stock_and_tiers(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await create_offer(gql, token, title="Welcome", trigger="ENROLMENT", stock=2)
    await create_offer(gql, token, title="Gold welcome", trigger="ENROLMENT", tiers=["Gold"])
    early = await create_customer(gql, token, name="Early")
    await record(gql, token, customerId=early["id"], amount="5")
    await Membership.filter().update(enrolled_at=datetime.now(UTC) - timedelta(days=1))
    for i in range(3):  # enrolled since the offers started; stock covers two of them
        c = await create_customer(gql, token, name=f"C{i}")
        await record(gql, token, customerId=c["id"], amount="5")
    assert (await run_schedules(brand))["ENROLMENT"] == 2
    assert (await run_schedules(brand))["ENROLMENT"] == 0


async def test_points_multiplier_coupon_doubles_earning_once(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    offer = await create_offer(gql, token, kind="POINTS_MULTIPLIER", title="x2", multiplier="2")
    await issue(gql, token, offer["id"], "double", customerIds=[li["id"]])
    doubled = await record(gql, token, customerId=li["id"], amount="40")
    assert doubled["pointsEarned"] == 80
    held = await coupons(gql, token, li["id"])
    assert [c["status"] for c in held] == ["REDEEMED"]
    plain = await record(gql, token, customerId=li["id"], amount="40")
    assert plain["pointsEarned"] == 40
    assert await OutboxEvent.filter(type="coupon.redeemed").count() == 1


async def test_automatic_multiplier_offer_for_a_channel(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    li = await create_customer(gql, token, name="Li")
    await create_offer(
        gql,
        token,
        kind="POINTS_MULTIPLIER",
        title="App triple",
        multiplier="3",
        automatic=True,
        channels=["APP"],
    )
    assert (await record(gql, token, customerId=li["id"], amount="10", channel="APP"))[
        "pointsEarned"
    ] == 30
    assert (await record(gql, token, customerId=li["id"], amount="10", channel="STORE"))[
        "pointsEarned"
    ] == 10


async def test_merge_moves_coupons(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    a = await create_customer(gql, token, name="A")
    b = await create_customer(gql, token, name="B")
    offer = await create_offer(gql, token)
    await issue(gql, token, offer["id"], "m", customerIds=[a["id"], b["id"]])
    body = await gql.data(MERGE, {"input": {"sourceId": a["id"], "targetId": b["id"]}}, token)
    assert body["mergeCustomers"]["errors"] == []
    assert len(await coupons(gql, token, b["id"])) == 2
