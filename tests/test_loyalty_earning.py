"""Earning rules, lot expiry rules, refunds of pending points and of tier progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from config import Settings
from models import AuditEntry, Membership, Purchase
from models.events import OutboxEvent
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from services.loyalty import expiry as points_expiry
from services.loyalty import tier_review
from tests.concurrency import assert_ledger_consistent
from tests.loyalty_support import ADJUST, AWARD, REDEEM, REFUND, loyalty, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_tiers import LADDER, SET_TIER

SETTINGS = """
mutation($input: SetLoyaltySettingsInput!) { setLoyaltySettings(input: $input) {
  settings { expiryRule dailyCap promotions } errors { field code } } }
"""
EXPIRY = """
query($id: ID!) { customer(id: $id) {
  pointsTransactions(first: 10) { edges { node { kind amount expiresAt pendingUntil } } } } }
"""
ENROLL = """
mutation($input: EnrollMemberInput!) { enrollMember(input: $input) {
  membership { memberNumber } errors { field code } } }
"""


def at(day: str) -> str:
    return f"{day}T04:00:00+00:00"  # noon in the brand's zone (Asia/Shanghai)


async def _configure(gql: GraphQL, token: str, **changes: Any) -> dict[str, Any]:
    body = await gql.data(SETTINGS, {"input": changes}, token)
    result: dict[str, Any] = body["setLoyaltySettings"]
    return result


async def test_promotions_by_date_weekday_and_category(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    promotions = [
        {"name": "June", "multiplier": "2", "from": "2026-06-01", "to": "2026-06-30"},
        {"name": "Tuesdays", "multiplier": "3", "weekdays": [2]},
        {"name": "Coffee", "multiplier": "1.5", "category": "coffee"},
    ]
    set_ = await _configure(gql, token, promotions=promotions)
    assert set_["errors"] == []
    c = await create_customer(gql, token, name="Li")
    items = [
        {"sku": "C", "name": "Latte", "category": "coffee", "quantity": 2, "unitPrice": "20"},
        {"sku": "T", "name": "Tea", "category": "tea", "quantity": 1, "unitPrice": "60"},
    ]
    june = await record(
        gql, token, customerId=c["id"], amount="100", occurredAt=at("2026-06-01"), items=items
    )
    assert june["pointsEarned"] == 40 * 2 * 3 // 2 + 60 * 2  # coffee x2 x1.5, tea x2
    tuesday = await record(gql, token, customerId=c["id"], amount="10", occurredAt=at("2026-07-07"))
    assert tuesday["pointsEarned"] == 30
    plain = await record(gql, token, customerId=c["id"], amount="10", occurredAt=at("2026-07-08"))
    assert plain["pointsEarned"] == 10
    bad = await _configure(
        gql, token, promotions=[{"name": "x", "multiplier": "2", "from": "June"}]
    )
    assert bad["errors"] == [{"field": "promotions", "code": "INVALID"}]
    bad = await _configure(
        gql, token, promotions=[{"name": "x", "multiplier": "2", "weekdays": [8]}]
    )
    assert bad["errors"] == [{"field": "promotions", "code": "INVALID"}]


async def test_daily_cap_and_rounding(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    assert (await _configure(gql, token, dailyCap=50, rounding="CEIL"))["errors"] == []
    c = await create_customer(gql, token, name="Li")
    day = "2026-07-09"
    earned = [
        (await record(gql, token, customerId=c["id"], amount=a, occurredAt=at(day)))["pointsEarned"]
        for a in ("39.10", "30", "5")
    ]
    assert earned == [40, 10, 0]  # 39.10 rounds up; the cap holds per local day
    other_day = await record(
        gql, token, customerId=c["id"], amount="5", occurredAt=at("2026-07-10")
    )
    assert other_day["pointsEarned"] == 5


async def test_lot_expiry_rules(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")

    async def award_and_expiry() -> str | None:
        await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=1)
        body = await gql.data(EXPIRY, {"id": c["id"]}, token)
        node = body["customer"]["pointsTransactions"]["edges"][0]["node"]
        return node["expiresAt"]  # type: ignore[no-any-return]

    assert await award_and_expiry() is None  # default: NEVER
    await _configure(gql, token, expiryRule="END_OF_MONTH")
    end_of_month = await award_and_expiry()
    assert end_of_month is not None
    assert end_of_month.endswith("-01T00:00:00+08:00")  # midnight starting next month, local
    await _configure(gql, token, expiryRule="DAYS", expiryDays=30)
    in_30_days = datetime.fromisoformat(str(await award_and_expiry()))
    assert abs(in_30_days - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    bad = await _configure(gql, token, expiryRule="WEEKLY")
    assert bad["errors"] == [{"field": "expiryRule", "code": "INVALID"}]


async def test_refund_cancels_pending_points_first(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await _configure(gql, token, pendingDays=7)
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    p = (await record(gql, token, customerId=c["id"], amount="50"))["purchase"]
    r = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"], amount="20")
    assert (r["pointsReversed"], r["pointsUnrecovered"]) == (20, 0)
    data = await loyalty(gql, token, c["id"])
    assert (data["points"]["available"], data["points"]["pending"]) == (0, 30)
    await assert_ledger_consistent(pk)
    await points_expiry.expire_due(Actor.system(brand.id), datetime.now(UTC) + timedelta(days=8))
    data = await loyalty(gql, token, c["id"])
    assert (data["points"]["available"], data["points"]["pending"]) == (30, 0)
    await assert_ledger_consistent(pk)


async def test_refund_reverses_tier_progress(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await loyalty_config.set_settings(Actor.system(brand.id), {"grace_days": 0})
    tiers = [{"name": "Member", "rank": 0}, {"name": "VIP", "rank": 1, "minLifetimeSpend": "100"}]
    assert (await gql.data(LADDER, {"input": {"tiers": tiers}}, token))["setTierLadder"][
        "errors"
    ] == []
    c = await create_customer(gql, token, name="Li")
    first = (await record(gql, token, customerId=c["id"], amount="60"))["purchase"]
    progress = (await loyalty(gql, token, c["id"]))["membership"]["tierProgress"]
    assert progress == {"nextTier": {"name": "VIP"}, "missingSpend": "40", "missingMonths": 0}
    await record(gql, token, customerId=c["id"], amount="50")
    assert (await loyalty(gql, token, c["id"]))["membership"]["tier"]["name"] == "VIP"
    r = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=first["id"], amount="30")
    assert r["errors"] == []
    # the upgrade stays until the review; the review sees 80 net spend and takes it back
    assert (await loyalty(gql, token, c["id"]))["membership"]["tier"]["name"] == "VIP"
    await Membership.filter(customer_id=decode_id(c["id"], "Customer")).update(
        next_review_at=datetime.now(UTC) - timedelta(days=1)
    )
    assert await tier_review.review(brand) == 1
    m = (await loyalty(gql, token, c["id"]))["membership"]
    assert m["tier"]["name"] == "Member"
    assert m["tierProgress"]["missingSpend"] == "20"


async def test_bad_input_writes_nothing(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    other = await app_token(settings, await make_brand("other"))
    c = await create_customer(gql, token, name="Li")
    stranger = await create_customer(gql, other, name="S")
    mine = (await record(gql, token, customerId=c["id"], amount="10.50"))["purchase"]
    theirs = (await record(gql, other, customerId=stranger["id"], amount="10"))["purchase"]
    audits, events = await AuditEntry.all().count(), await OutboxEvent.all().count()
    refund_cases = [
        ({"purchaseId": mine["id"], "amount": "1.001"}, ("amount", "INVALID")),
        ({"purchaseId": mine["id"], "amount": "0"}, ("amount", "INVALID")),
        ({"purchaseId": mine["id"], "amount": "-1"}, ("amount", "INVALID")),
        ({"purchaseId": mine["id"], "amount": "10.51"}, ("amount", "REFUND_EXCEEDS_PURCHASE")),
        ({"purchaseId": theirs["id"]}, ("purchaseId", "NOT_FOUND")),
    ]
    for fields, expected in refund_cases:
        r = await mutate(gql, token, REFUND, "refundPurchase", **fields)
        assert [(e["field"], e["code"]) for e in r["errors"]] == [expected], fields
    item = {"sku": "A", "name": "A", "quantity": 1, "unitPrice": "1.234"}
    r = await record(gql, token, customerId=c["id"], amount="5", items=[item])
    assert [(e["field"], e["code"]) for e in r["errors"]] == [("items[0].unitPrice", "INVALID")]
    r = await record(
        gql,
        token,
        customerId=c["id"],
        amount="5",
        items=[{**item, "unitPrice": "1", "quantity": 0}],
    )
    assert [e["code"] for e in r["errors"]] == ["INVALID"]
    points_cases: list[tuple[str, str, dict[str, Any], tuple[str, str]]] = [
        (AWARD, "awardPoints", {"points": 100_000_001}, ("points", "INVALID")),
        (REDEEM, "redeemPoints", {"points": -1}, ("points", "INVALID")),
        (REDEEM, "redeemPoints", {"points": 11}, ("points", "INSUFFICIENT_POINTS")),
        (ADJUST, "adjustPoints", {"points": 5, "reason": " "}, ("reason", "REQUIRED")),
        (AWARD, "awardPoints", {"points": 1, "idempotencyKey": ""}, ("idempotencyKey", "INVALID")),
    ]
    for query, name, fields, expected in points_cases:
        r = await mutate(gql, token, query, name, customerId=c["id"], **fields)
        assert [(e["field"], e["code"]) for e in r["errors"]] == [expected], fields
    for query, name in ((REDEEM, "redeemPoints"), (ADJUST, "adjustPoints")):
        r = await mutate(gql, token, query, name, customerId=stranger["id"], points=1, reason="x")
        assert r["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    r = (await gql.data(ENROLL, {"input": {"customerId": stranger["id"]}}, token))["enrollMember"]
    assert r["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    tier_cases = [
        ({"customerId": c["id"], "tier": "Diamond"}, ("tier", "UNKNOWN_TIER")),
        ({"customerId": stranger["id"], "tier": "Gold"}, ("customerId", "NOT_FOUND")),
        (
            {"customerId": c["id"], "tier": "Gold", "until": "2020-01-01T00:00:00Z"},
            ("until", "INVALID"),
        ),
    ]
    for fields, expected in tier_cases:
        r = (await gql.data(SET_TIER, {"input": fields}, token))["setMemberTier"]
        assert [(e["field"], e["code"]) for e in r["errors"]] == [expected], fields
    assert (await AuditEntry.all().count(), await OutboxEvent.all().count()) == (audits, events)
    purchase = await Purchase.get(id=decode_id(mine["id"], "Purchase"))
    assert purchase.refunded_amount == 0
    data = await loyalty(gql, token, c["id"])
    assert data["points"]["available"] == 10
    assert data["membership"]["tier"]["name"] == "Regular"
