from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from tests.loyalty_support import REFUND, loyalty, mutate, record
from tests.support import GraphQL, app_token, create_customer, make_brand


async def test_first_purchase_enrols_and_earns(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    result = await record(
        gql,
        token,
        customerId=c["id"],
        amount="123.45",
        externalId="pos-1",
        channel="STORE",
        items=[
            {
                "sku": "A1",
                "name": "Latte",
                "category": "coffee",
                "quantity": 3,
                "unitPrice": "41.15",
            }
        ],
    )
    assert result["errors"] == []
    assert result["pointsEarned"] == 123  # 1 point per unit, floored
    assert result["membership"]["tier"] == {"name": "Regular", "rank": 0}
    assert result["purchase"]["items"][0]["unitPrice"] == "41.15"
    data = await loyalty(gql, token, c["id"])
    assert data["points"] == {
        "available": 123,
        "pending": 0,
        "lifetimeEarned": 123,
        "redeemed": 0,
        "expired": 0,
    }
    assert data["membership"]["memberNumber"].startswith("M")
    assert data["membership"]["tierProgress"]["nextTier"] == {"name": "Silver"}
    assert data["lifecycleStage"] == "NEW"
    assert data["rfm"]["frequency"] == 1
    assert [e["node"]["kind"] for e in data["pointsTransactions"]["edges"]] == ["EARN"]


async def test_same_external_id_is_recorded_once(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    first = await record(gql, token, customerId=c["id"], amount="50", externalId="X-1")
    again = await record(gql, token, customerId=c["id"], amount="50", externalId="X-1")
    assert again["purchase"]["id"] == first["purchase"]["id"]
    assert again["pointsEarned"] == first["pointsEarned"] == 50
    data = await loyalty(gql, token, c["id"])
    assert data["points"]["available"] == 50
    assert len(data["purchases"]["edges"]) == 1


async def test_bad_purchase_input_writes_nothing(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    other = await app_token(settings, await make_brand("other"))
    c = await create_customer(gql, token, name="Li")
    stranger = await create_customer(gql, other, name="Stranger")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        ({"amount": "10.005"}, ("amount", "INVALID")),
        ({"amount": "0"}, ("amount", "INVALID")),
        ({"amount": "-5"}, ("amount", "INVALID")),
        ({"amount": "10", "occurredAt": future}, ("occurredAt", "INVALID")),
    ]
    for fields, expected in cases:
        result = await record(gql, token, customerId=c["id"], **fields)
        assert [(e["field"], e["code"]) for e in result["errors"]] == [expected], fields
    result = await record(gql, token, customerId=stranger["id"], amount="10")
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("customerId", "NOT_FOUND")]
    data = await loyalty(gql, token, c["id"])
    assert data["membership"] is None
    assert data["purchases"]["edges"] == []


async def test_past_purchase_import_is_allowed(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    past = (datetime.now(UTC) - timedelta(days=400)).isoformat()
    result = await record(gql, token, customerId=c["id"], amount="20", occurredAt=past)
    assert result["errors"] == []
    assert (await loyalty(gql, token, c["id"]))["lifecycleStage"] == "CHURNED"


async def test_partial_and_full_refund_reverse_points(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    p = (await record(gql, token, customerId=c["id"], amount="100"))["purchase"]
    half = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"], amount="40")
    assert half["errors"] == []
    assert half["pointsReversed"] == 40
    assert half["purchase"]["refundedAmount"] == "40.00"
    too_much = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"], amount="61")
    assert too_much["errors"] == [{"field": "amount", "code": "REFUND_EXCEEDS_PURCHASE"}]
    rest = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"])
    assert rest["pointsReversed"] == 60
    data = await loyalty(gql, token, c["id"])
    assert data["points"]["available"] == 0
    kinds = [e["node"]["kind"] for e in data["pointsTransactions"]["edges"]]
    assert kinds == ["REVERSE", "REVERSE", "EARN"]


async def test_refund_of_spent_points_is_not_clawed_below_zero(
    gql: GraphQL, settings: Settings
) -> None:
    from tests.loyalty_support import REDEEM

    token = await app_token(settings, await make_brand())
    c = await create_customer(gql, token, name="Li")
    p = (await record(gql, token, customerId=c["id"], amount="100"))["purchase"]
    spent = await mutate(gql, token, REDEEM, "redeemPoints", customerId=c["id"], points=70)
    assert spent["errors"] == []
    refund = await mutate(gql, token, REFUND, "refundPurchase", purchaseId=p["id"])
    assert refund["pointsReversed"] == 100
    assert refund["pointsUnrecovered"] == 70
    data = await loyalty(gql, token, c["id"])
    assert data["points"]["available"] == 0
