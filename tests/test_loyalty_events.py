"""Loyalty mutations write their events to the outbox in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from config import Settings
from models import Brand, Membership, PointsTransaction
from models.events import OutboxEvent
from resolvers.ids import decode_id, to_global_id
from services.common.actor import Actor
from services.loyalty import config as loyalty_config
from services.loyalty import expiry as points_expiry
from services.loyalty import points, tier_review
from tests.loyalty_support import ADJUST, AWARD, REDEEM, REFUND, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_tiers import LADDER, SET_TIER, months_ago

LOYALTY_EVENTS = ("purchase.recorded", "purchase.refunded", "points.changed")
TIER_CHANGED = "membership.tier_changed"


async def _events(brand: Brand, after: int = 0) -> list[OutboxEvent]:
    rows = await OutboxEvent.filter(brand_id=brand.id, seq__gt=after).order_by("seq")
    return [r for r in rows if r.type in (*LOYALTY_EVENTS, TIER_CHANGED)]


async def _last(brand: Brand) -> int:
    row = await OutboxEvent.filter(brand_id=brand.id).order_by("-seq").first()
    return int(row.seq) if row else 0


def _summary(rows: list[OutboxEvent]) -> list[tuple[str, dict[str, Any]]]:
    return [(r.type, r.payload) for r in rows]


async def test_purchase_and_refund_events(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    p = (await record(gql, token, customerId=c["id"], amount="100"))["purchase"]
    rows = await _events(brand)
    assert _summary(rows) == [
        (TIER_CHANGED, {"from": None, "to": "Regular", "reason": "enrolled"}),
        ("points.changed", {"kind": "EARN", "amount": 100, "balance": 100, "pending": 0}),
        ("purchase.recorded", {"amount": "100.00", "pointsEarned": 100}),
    ]
    assert {r.customer_id for r in rows} == {pk}
    assert rows[-1].subject_type == "Purchase"
    seen = await _last(brand)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    bad = await record(gql, token, customerId=c["id"], amount="5", occurredAt=future)
    assert bad["errors"]
    too_much = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"], amount="101")
    assert too_much["errors"][0]["code"] == "REFUND_EXCEEDS_PURCHASE"
    assert await _events(brand, seen) == []
    purchase_pk = decode_id(p["id"], "Purchase")
    refund = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"], amount="25")
    assert refund["errors"] == []
    assert _summary(await _events(brand, seen)) == [
        ("points.changed", {"kind": "REVERSE", "amount": -25, "balance": 75, "pending": 0}),
        ("purchase.refunded", {"purchase": purchase_pk, "amount": "25.00", "points": 25}),
    ]


async def test_external_id_replay_emits_nothing(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    await record(gql, token, customerId=c["id"], amount="10", externalId="pos-9")
    seen = await _last(brand)
    again = await record(gql, token, customerId=c["id"], amount="10", externalId="pos-9")
    assert again["errors"] == []
    assert await _events(brand, seen) == []


async def test_points_mutations_emit_once_and_failures_emit_nothing(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    other = await app_token(settings, await make_brand("other"))
    c = await create_customer(gql, token, name="Li")
    stranger = await create_customer(gql, other, name="S")
    award = {"customerId": c["id"], "points": 50, "idempotencyKey": "a-1", "source": "survey"}
    await mutate(gql, token, AWARD, "awardPoints", **award)
    await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=20)
    await mutate(gql, token, ADJUST, "adjustPoints", customerId=c["id"], points=-5, reason="typo")
    rows = await _events(brand)
    assert [r.type for r in rows] == [TIER_CHANGED] + ["points.changed"] * 3
    assert [(r.payload["kind"], r.payload["amount"], r.payload["balance"]) for r in rows[1:]] == [
        ("EARN", 50, 50),
        ("REDEEM", -20, 30),
        ("ADJUST", -5, 25),
    ]
    seen = await _last(brand)
    failures: list[tuple[str, str, dict[str, Any]]] = [
        (AWARD, "awardPoints", award),  # replay: the first result, nothing written
        (AWARD, "awardPoints", {**award, "points": 51}),  # IDEMPOTENCY_KEY_REUSED
        (REDEEM, "redeemPoints", {"customerId": c["id"], "points": 26}),  # INSUFFICIENT_POINTS
        (REDEEM, "redeemPoints", {"customerId": c["id"], "points": 0}),
        (AWARD, "awardPoints", {"customerId": stranger["id"], "points": 5}),
        (ADJUST, "adjustPoints", {"customerId": c["id"], "points": 0, "reason": "x"}),
    ]
    for query, name, fields in failures:
        await mutate(gql, token, query, name, **fields)
    assert await _events(brand, seen) == []


async def test_tier_changes_emit_events(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    for n in (3, 2):
        await record(gql, token, customerId=c["id"], amount="250", occurredAt=months_ago(n))
    seen = await _last(brand)
    await record(gql, token, customerId=c["id"], amount="250", occurredAt=months_ago(1))
    upgrade = [r.payload for r in await _events(brand, seen) if r.type == TIER_CHANGED]
    assert upgrade == [{"from": "Regular", "to": "Silver", "reason": upgrade[0]["reason"]}]
    seen = await _last(brand)
    bad = await gql.data(SET_TIER, {"input": {"customerId": c["id"], "tier": "Diamond"}}, token)
    assert bad["setMemberTier"]["errors"][0]["code"] == "UNKNOWN_TIER"
    assert await _events(brand, seen) == []
    await gql.data(SET_TIER, {"input": {"customerId": c["id"], "tier": "Gold"}}, token)
    manual = await _events(brand, seen)
    assert [(r.type, r.payload["to"]) for r in manual] == [(TIER_CHANGED, "Gold")]


async def test_set_based_review_emits_one_event_per_change(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    actor = Actor.system(brand.id)
    await loyalty_config.set_settings(actor, {"grace_days": 0})
    ids = []
    for i in range(3):
        c = await create_customer(gql, token, name=f"C{i}")
        await record(gql, token, customerId=c["id"], amount="300", occurredAt=months_ago(8))
        ids.append(decode_id(c["id"], "Customer"))
    gold = await loyalty_config.tier_by_name(brand.id, "Gold", "tier")
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    await Membership.filter(customer_id__in=ids[:2]).update(
        tier_id=gold.id, tier_since=long_ago, next_review_at=long_ago
    )
    seen = await _last(brand)
    assert await tier_review.review(brand) == 2
    rows = await _events(brand, seen)
    assert [r.seq for r in rows] == [seen + 1, seen + 2]  # contiguous ids from the counter
    assert sorted(r.customer_id for r in rows if r.customer_id) == sorted(ids[:2])
    assert {r.subject_type for r in rows} == {"Membership"}
    assert rows[0].payload == {
        "from": "Gold",
        "to": "Regular",
        "reason": f"review {datetime.now(UTC).date().isoformat()}: no longer qualifies",
    }
    # the next emit continues after the reserved ids
    await mutate(
        gql, token, AWARD, "awardPoints", customerId=to_global_id("Customer", ids[2]), points=1
    )
    assert (await _events(brand, seen))[-1].seq == seen + 3


async def test_expiry_job_emits_points_changed(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    actor = Actor.system(brand.id)
    await loyalty_config.set_settings(actor, {"expiry_rule": "DAYS", "expiry_days": 5})
    c = await create_customer(gql, token, name="Li")
    await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=40)
    seen = await _last(brand)
    assert await points_expiry.expire_due(actor, datetime.now(UTC) + timedelta(days=6)) == 40
    rows = await _events(brand, seen)
    assert [(r.type, r.payload["kind"], r.payload["amount"]) for r in rows] == [
        ("points.changed", "EXPIRE", -40)
    ]


async def test_an_outer_rollback_takes_the_event_with_the_change(
    gql: GraphQL, settings: Settings
) -> None:
    """emit() writes through the caller's transaction: no event survives a rolled-back change."""
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    actor = Actor.system(brand.id)
    seen = await _last(brand)
    with pytest.raises(RuntimeError):
        async with in_transaction():
            await points.award_points(actor, pk, 10, "x", "staff", "k-rollback")
            raise RuntimeError("the caller fails after the change")
    assert await _events(brand, seen) == []
    assert await PointsTransaction.filter(customer_id=pk).count() == 0
    assert await Membership.filter(customer_id=pk).count() == 0


MERGE = """mutation($s: ID!, $t: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $t}) {
  customer { membership { tier { name } } } errors { code } } }"""


async def _regular_and_gold(gql: GraphQL, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two enrolled customers (a purchase each), the second set to Gold by staff."""
    regular = await create_customer(gql, token, name="Regular member")
    gold = await create_customer(gql, token, name="Gold member")
    for c in (regular, gold):
        await record(gql, token, customerId=c["id"], amount="20")
    await gql.data(SET_TIER, {"input": {"customerId": gold["id"], "tier": "Gold"}}, token)
    return regular, gold


async def test_a_merge_that_raises_the_survivors_tier_emits_the_change(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    target, source = await _regular_and_gold(gql, token)
    seen = await _last(brand)
    body = await gql.data(MERGE, {"s": source["id"], "t": target["id"]}, token)
    assert body["mergeCustomers"]["errors"] == []
    assert body["mergeCustomers"]["customer"]["membership"]["tier"]["name"] == "Gold"
    changes = [r for r in await _events(brand, seen) if r.type == TIER_CHANGED]
    assert [(r.customer_id, r.payload["from"], r.payload["to"]) for r in changes] == [
        (decode_id(target["id"], "Customer"), "Regular", "Gold")
    ]
    assert changes[0].payload["reason"].startswith("merged member ")
    lower = await create_customer(gql, token, name="Another regular member")
    await record(gql, token, customerId=lower["id"], amount="20")
    seen = await _last(brand)
    await gql.data(MERGE, {"s": lower["id"], "t": target["id"]}, token)
    assert [r for r in await _events(brand, seen) if r.type == TIER_CHANGED] == []


async def test_removing_a_tier_moves_its_members_with_history_and_events(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    regular, _ = await _regular_and_gold(gql, token)
    seen = await _last(brand)
    ladder = [{"name": "Silver", "rank": 1}, {"name": "Gold", "rank": 2}]
    body = await gql.data(LADDER, {"input": {"tiers": ladder}}, token)
    assert body["setTierLadder"]["errors"] == []
    changes = [r for r in await _events(brand, seen) if r.type == TIER_CHANGED]
    assert [(r.customer_id, r.payload) for r in changes] == [
        (
            decode_id(regular["id"], "Customer"),
            {"from": "Regular", "to": "Silver", "reason": "tier Regular removed"},
        )
    ]
    history = await gql.data(
        "query($id: ID!) { customer(id: $id) { membership { tier { name }"
        " tierHistory { fromTier toTier reason } } } }",
        {"id": regular["id"]},
        token,
    )
    membership = history["customer"]["membership"]
    assert membership["tier"]["name"] == "Silver"
    assert membership["tierHistory"][0] == {
        "fromTier": "Regular",
        "toTier": "Silver",
        "reason": "tier Regular removed",
    }
