from __future__ import annotations

import asyncio
from datetime import timedelta

from config import Settings
from models import Membership, PointsTransaction
from models.events import BrandEventCounter
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.common.errors import DomainError
from services.loyalty import config as loyalty_config
from services.loyalty import expiry as points_expiry
from services.loyalty import points
from tests.concurrency import assert_ledger_consistent, concurrently_behind_a_lock
from tests.loyalty_support import ADJUST, AWARD, REDEEM, loyalty, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand


async def _ledger_sum(customer_id: int) -> int:
    total = await PointsTransaction.filter(customer_id=customer_id).values_list("amount", flat=True)
    return sum(int(a) for a in total)  # type: ignore[call-overload]


async def test_award_redeem_and_balance(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    award = await mutate(
        gql,
        token,
        AWARD,
        "awardPoints",
        customerId=c["id"],
        points=100,
        reason="survey",
        source="survey",
    )
    assert award["transaction"]["kind"] == "EARN"
    assert award["transaction"]["balanceAfter"] == 100
    redeem = await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=30)
    assert redeem["transaction"]["amount"] == -30
    assert redeem["transaction"]["balanceAfter"] == 70
    too_much = await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=71)
    assert too_much == {
        "transaction": None,
        "errors": [{"field": "points", "code": "INSUFFICIENT_POINTS"}],
    }
    data = await loyalty(gql, token, c["id"])
    assert data["points"] == {
        "available": 70,
        "pending": 0,
        "lifetimeEarned": 100,
        "redeemed": 30,
        "expired": 0,
    }
    assert len(data["pointsTransactions"]["edges"]) == 2


async def test_idempotency_key(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    first = await mutate(
        gql,
        token,
        AWARD,
        "awardPoints",
        customerId=c["id"],
        points=10,
        idempotencyKey="k-1",
        source="offer",
    )
    again = await mutate(
        gql,
        token,
        AWARD,
        "awardPoints",
        customerId=c["id"],
        points=10,
        idempotencyKey="k-1",
        source="offer",
    )
    assert again["transaction"] == first["transaction"]
    other = await mutate(
        gql,
        token,
        AWARD,
        "awardPoints",
        customerId=c["id"],
        points=11,
        idempotencyKey="k-1",
        source="offer",
    )
    assert other["errors"] == [{"field": "idempotencyKey", "code": "IDEMPOTENCY_KEY_REUSED"}]
    redeem = await mutate(
        gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=1, idempotencyKey="k-1"
    )
    assert redeem["errors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    data = await loyalty(gql, token, c["id"])
    assert data["points"]["available"] == 10
    assert len(data["pointsTransactions"]["edges"]) == 1


async def test_bad_points_input(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    other = await app_token(settings, await make_brand("other"))
    c = await create_customer(gql, token, name="Li")
    stranger = await create_customer(gql, other, name="S")
    for value in (0, -5):
        r = await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=value)
        assert r["errors"] == [{"field": "points", "code": "INVALID"}]
        r = await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=value)
        assert r["errors"] == [{"field": "points", "code": "INVALID"}]
    r = await mutate(gql, token, ADJUST, "adjustPoints", customerId=c["id"], points=0, reason="x")
    assert r["errors"] == [{"field": "points", "code": "INVALID"}]
    r = await mutate(gql, token, AWARD, "awardPoints", customerId=stranger["id"], points=5)
    assert r["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    r = await mutate(gql, token, AWARD, "awardPoints", customerId=c["id"], points=5, source="x")
    assert r["errors"] == [{"field": "source", "code": "INVALID"}]
    data = await loyalty(gql, token, c["id"])
    assert data["pointsTransactions"]["edges"] == []


async def test_adjust_needs_admin_and_cannot_go_negative(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(settings, brand)
    clerk = await app_token(settings, brand, "points:write customers:read")
    c = await create_customer(gql, admin, name="Li")
    body = await gql.post(
        ADJUST, {"input": {"customerId": c["id"], "points": 5, "reason": "x"}}, clerk
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    ok = await mutate(gql, clerk, AWARD, "awardPoints", customerId=c["id"], points=5)
    assert ok["errors"] == []
    neg = await mutate(
        gql, admin, ADJUST, "adjustPoints", customerId=c["id"], points=-6, reason="typo"
    )
    assert neg["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    fix = await mutate(
        gql, admin, ADJUST, "adjustPoints", customerId=c["id"], points=-5, reason="typo"
    )
    assert fix["transaction"]["balanceAfter"] == 0


async def test_redemption_uses_soonest_expiring_lots_and_expiry(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    actor = Actor.system(brand.id)
    await loyalty_config.set_settings(actor, {"expiry_rule": "DAYS", "expiry_days": 30})
    pk = decode_id(c["id"], "Customer")
    await points.award_points(actor, pk, 50, "a", "offer", None)
    await loyalty_config.set_settings(actor, {"expiry_days": 10})
    await points.award_points(actor, pk, 50, "b", "offer", None)  # expires sooner
    await points.redeem_points(actor, pk, 30, "reward", None)
    lots = await PointsTransaction.filter(customer_id=pk, kind="EARN").order_by("id")
    assert [lot.remaining for lot in lots] == [50, 20]
    expired = await points_expiry.expire_due(actor, loyalty_config.utcnow() + timedelta(days=15))
    assert expired == 20
    m = await Membership.get(customer_id=pk)
    assert (m.available, m.expired) == (50, 20)
    assert await _ledger_sum(pk) == 50


async def test_pending_points_are_released(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    actor = Actor.system(brand.id)
    await loyalty_config.set_settings(actor, {"pending_days": 7})
    await record(gql, token, customerId=c["id"], amount="40")
    data = await loyalty(gql, token, c["id"])
    assert (data["points"]["available"], data["points"]["pending"]) == (0, 40)
    bad = await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=1)
    assert bad["errors"][0]["code"] == "INSUFFICIENT_POINTS"
    await points_expiry.expire_due(actor, loyalty_config.utcnow() + timedelta(days=8))
    data = await loyalty(gql, token, c["id"])
    assert (data["points"]["available"], data["points"]["pending"]) == (40, 0)
    assert [e["node"]["kind"] for e in data["pointsTransactions"]["edges"]] == ["RELEASE", "EARN"]


async def test_concurrent_awards_and_redemptions_keep_the_ledger(
    gql: GraphQL, settings: Settings
) -> None:
    """50 concurrent requests at one member, each in its own transaction and connection."""
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    actor = Actor.system(brand.id)
    await points.award_points(actor, pk, 100, "seed", "staff", None)

    async def redeem(i: int) -> bool:
        try:
            await points.redeem_points(actor, pk, 7, f"r{i}", f"redeem-{i}")
            return True
        except DomainError:
            return False

    async def award(i: int) -> bool:
        await points.award_points(actor, pk, 3, f"a{i}", "offer", f"award-{i}")
        return True

    # on PostgreSQL: hold the customer's row lock until the pool's connections all wait on it
    results = await concurrently_behind_a_lock(
        pk, [redeem(i) if i % 2 else award(i) for i in range(50)]
    )
    redeemed = sum(1 for i, ok in enumerate(results) if i % 2 and ok)
    assert 14 <= redeemed <= 25  # 100 points pay 14 whatever the order
    m = await Membership.get(customer_id=pk)
    assert m.available == 100 + 25 * 3 - 7 * redeemed
    await assert_ledger_consistent(pk)
    assert await PointsTransaction.filter(customer_id=pk).count() == 1 + 25 + redeemed
    # replays of the 25 awards and of the redemptions that went through write nothing (a
    # refused redemption left no key behind: the balance may pay for it now, so not replayed)
    replayed = [i for i, ok in enumerate(results) if ok]
    await concurrently_behind_a_lock(pk, [redeem(i) if i % 2 else award(i) for i in replayed])
    assert (await Membership.get(customer_id=pk)).available == m.available
    assert await PointsTransaction.filter(customer_id=pk).count() == 1 + 25 + redeemed
    await assert_ledger_consistent(pk)


async def test_concurrent_redemptions_never_overdraw(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    actor = Actor.system(brand.id)
    await points.award_points(actor, pk, 100, "seed", "staff", None)

    async def redeem(i: int) -> bool:
        try:
            await points.redeem_points(actor, pk, 10, f"r{i}", None)
            return True
        except DomainError as exc:
            assert exc.errors[0].code == "INSUFFICIENT_POINTS"
            return False

    results = await concurrently_behind_a_lock(pk, [redeem(i) for i in range(50)])
    assert sum(results) == 10  # exactly the balance, never more
    assert (await Membership.get(customer_id=pk)).available == 0
    await assert_ledger_consistent(pk)


async def test_concurrent_purchases_on_one_member(gql: GraphQL, settings: Settings) -> None:
    from models import DailySpend, Purchase
    from services.loyalty import purchases
    from services.loyalty.config import calendar

    brand = await make_brand()
    token = await app_token(settings, brand)
    c = await create_customer(gql, token, name="Li")
    pk = decode_id(c["id"], "Customer")
    actor = Actor.system(brand.id)

    async def buy(i: int) -> int:
        result = await purchases.record_purchase(
            actor, brand, pk, "10.50", [], None, "APP", None, f"pos-{i % 20}"
        )
        return result.purchase.id

    # 30 calls, 20 distinct purchases (10 retries of the same externalId)
    ids = await concurrently_behind_a_lock(pk, [buy(i) for i in range(30)])
    assert len(set(ids)) == 20
    assert await Purchase.filter(customer_id=pk).count() == 20
    assert await Membership.filter(customer_id=pk).count() == 1
    m = await Membership.get(customer_id=pk)
    assert (m.available, m.lifetime_earned) == (20 * 10, 20 * 10)
    spend = await DailySpend.filter(customer_id=pk).values_list("cents", "purchases")
    assert sum(int(row[0]) for row in spend) == 20 * 1050  # type: ignore[call-overload]
    assert sum(int(row[1]) for row in spend) == 20  # type: ignore[call-overload]
    assert calendar(brand).tz is not None
    await assert_ledger_consistent(pk)


async def test_concurrent_purchases_with_one_external_id(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    results = await asyncio.gather(
        *[record(gql, token, customerId=c["id"], amount="10", externalId="dup") for _ in range(8)]
    )
    assert {r["purchase"]["id"] for r in results} == {results[0]["purchase"]["id"]}
    data = await loyalty(gql, token, c["id"])
    assert data["points"]["available"] == 10


async def test_one_key_raced_for_two_customers_is_written_once(
    gql: GraphQL, settings: Settings
) -> None:
    """Two members' transactions both find the key unused (different row locks), then meet at
    the key's unique index: the loser's database error becomes IDEMPOTENCY_KEY_REUSED."""
    brand = await make_brand()
    token = await app_token(settings, brand)
    ids = [decode_id((await create_customer(gql, token, name=n))["id"], "Customer") for n in "ABC"]
    actor = Actor.system(brand.id)
    for customer_id in ids:  # members already, and the brand's event counter row exists
        await points.award_points(actor, customer_id, 1, "seed", "staff", None)
    counter = await BrandEventCounter.get(brand_id=brand.id)

    async def award(customer_id: int, key: str) -> str:
        try:
            await points.award_points(actor, customer_id, 5, "race", "staff", key)
            return "ok"
        except DomainError as exc:
            return exc.errors[0].code.value

    # on PostgreSQL the counter's lock (taken after the ledger insert) holds all three until
    # the second is waiting on the first's key in the unique index
    results = await concurrently_behind_a_lock(
        counter.id,
        [award(ids[0], "shared"), award(ids[1], "shared"), award(ids[2], "own")],
        table="event_counters",
    )
    assert sorted(results[:2]) == ["IDEMPOTENCY_KEY_REUSED", "ok"] and results[2] == "ok"
    assert await PointsTransaction.filter(brand_id=brand.id, idempotency_key="shared").count() == 1
    for customer_id in ids:
        await assert_ledger_consistent(customer_id)
