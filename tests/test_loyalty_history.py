"""Back-dated purchases behave as if they had happened then: lots wait, release and expire from
`occurredAt`; a positive adjustment is a lot with the brand's expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.loyalty import expiry as points_expiry
from tests.concurrency import assert_ledger_consistent
from tests.loyalty_support import ADJUST, loyalty, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.test_loyalty_earning import EXPIRY, _configure


def ago(days: int) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)


async def lots(gql: GraphQL, token: str, customer_id: str) -> list[dict[str, str | None]]:
    body = await gql.data(EXPIRY, {"id": customer_id}, token)
    return [e["node"] for e in body["customer"]["pointsTransactions"]["edges"]]


async def test_a_back_dated_purchase_s_points_expire_from_when_it_happened(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    assert (await _configure(gql, token, expiryRule="DAYS", expiryDays=30))["errors"] == []
    c = await create_customer(gql, token, name="Li")
    old, recent = ago(60), ago(10)
    await record(gql, token, customerId=c["id"], amount="100", occurredAt=old.isoformat())
    await record(gql, token, customerId=c["id"], amount="40", occurredAt=recent.isoformat())
    earned = await lots(gql, token, c["id"])
    expiries = sorted(datetime.fromisoformat(str(lot["expiresAt"])) for lot in earned)
    assert expiries == [old + timedelta(days=30), recent + timedelta(days=30)]

    await points_expiry.expire_due(Actor.system(brand.id))  # the next nightly run
    points = (await loyalty(gql, token, c["id"]))["points"]
    assert (points["available"], points["expired"]) == (40, 100)
    await assert_ledger_consistent(decode_id(c["id"], "Customer"))


async def test_end_of_month_counts_the_month_of_the_purchase(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())  # Asia/Shanghai
    assert (await _configure(gql, token, expiryRule="END_OF_MONTH"))["errors"] == []
    c = await create_customer(gql, token, name="Li")
    await record(gql, token, customerId=c["id"], amount="10", occurredAt="2026-03-31T20:00:00Z")
    await record(gql, token, customerId=c["id"], amount="10", occurredAt="2026-03-31T12:00:00Z")
    expiries = sorted(str(lot["expiresAt"]) for lot in await lots(gql, token, c["id"]))
    # 20:00 UTC on 31 March is 1 April in Shanghai: that lot ends with April
    assert expiries == ["2026-04-01T00:00:00+08:00", "2026-05-01T00:00:00+08:00"]


async def test_pending_points_of_old_purchases_are_released_already(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    assert (await _configure(gql, token, pendingDays=7))["errors"] == []
    c = await create_customer(gql, token, name="Li")
    await record(gql, token, customerId=c["id"], amount="30", occurredAt=ago(10).isoformat())
    await record(gql, token, customerId=c["id"], amount="20", occurredAt=ago(2).isoformat())
    points = (await loyalty(gql, token, c["id"]))["points"]
    assert (points["available"], points["pending"]) == (30, 20)
    await assert_ledger_consistent(decode_id(c["id"], "Customer"))


async def test_a_positive_adjustment_is_a_lot_with_the_brand_s_expiry(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    assert (await _configure(gql, token, expiryRule="DAYS", expiryDays=30))["errors"] == []
    c = await create_customer(gql, token, name="Li")
    adjusted = await mutate(
        gql, token, ADJUST, "adjustPoints", customerId=c["id"], points=50, reason="migration"
    )
    assert adjusted["errors"] == []
    (lot,) = await lots(gql, token, c["id"])
    assert lot["kind"] == "ADJUST" and lot["expiresAt"] is not None
    in_30_days = datetime.fromisoformat(str(lot["expiresAt"]))
    assert abs(in_30_days - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    await points_expiry.expire_due(Actor.system(brand.id), datetime.now(UTC) + timedelta(days=31))
    points = (await loyalty(gql, token, c["id"]))["points"]
    assert (points["available"], points["expired"]) == (0, 50)
    await assert_ledger_consistent(decode_id(c["id"], "Customer"))
