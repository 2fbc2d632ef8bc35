"""Segment rules on analytics: churn risk above x, cluster, tracked event counts."""

from __future__ import annotations

from typing import Any

from config import Settings
from tests.analytics_helpers import buy, days_ago, purchases, run_refresh, weekly_and_stopped
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.tracking_helpers import at, event, track

PREVIEW = """
query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { size sample(first: 50) { name } } }
"""
CREATE = """
mutation($rule: SegmentRuleInput!) { createSegment(input: {name: "s", rule: $rule}) {
  segment { size } errors { field code message } } }
"""


async def _names(gql: GraphQL, token: str, rule: dict[str, Any]) -> list[str]:
    body = await gql.data(PREVIEW, {"rule": rule}, token)
    return sorted(c["name"] for c in body["previewSegment"]["sample"])


async def test_added_to_cart_but_did_not_buy_in_seven_days(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    ids = {n: (await create_customer(gql, token, name=n))["id"] for n in ("Ann", "Bob", "Cy", "Di")}
    await track(
        gql,
        token,
        [
            event("1", "add_to_cart", customerId=ids["Ann"], occurredAt=at(60 * 24 * 2)),
            event("2", "add_to_cart", customerId=ids["Bob"], occurredAt=at(60 * 24 * 3)),
            event("3", "add_to_cart", customerId=ids["Cy"], occurredAt=at(60 * 24 * 20)),
            event("4", "add_to_cart", customerId=ids["Di"], occurredAt=at(60)),
            event("5", "add_to_cart", customerId=ids["Di"], occurredAt=at(30)),
        ],
    )
    await purchases(gql, token, [buy(ids["Bob"], days_ago(1))])
    abandoned = {
        "and": [
            {"trackedEvents": {"name": "add_to_cart", "min": 1, "withinDays": 7}},
            {"not": {"purchaseCount": {"min": 1, "withinDays": 7}}},
        ]
    }
    assert await _names(gql, token, abandoned) == ["Ann", "Di"]
    twice = {"trackedEvents": {"name": "add_to_cart", "min": 2}}
    assert await _names(gql, token, twice) == ["Di"]
    never = {"trackedEvents": {"name": "add_to_cart", "max": 0}}
    assert await _names(gql, token, never) == []
    everyone = await _names(gql, token, {"or": [twice, {"not": twice}]})
    assert (
        await _names(gql, token, {"trackedEvents": {"name": "add_to_cart", "min": 0}}) == everyone
    )


async def test_churn_risk_above_and_cluster(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    await weekly_and_stopped(gql, token, 4)
    await run_refresh(brand)
    assert await _names(gql, token, {"churnRisk": {"min": 0.6}}) == ["S0", "S1", "S2", "S3"]
    assert await _names(gql, token, {"churnRisk": {"max": 0.3}}) == ["W0", "W1", "W2", "W3"]
    clusters = await gql.data("{ analytics { clusters { number size } } }", token=token)
    numbers = [c["number"] for c in clusters["analytics"]["clusters"]]
    everyone = await _names(gql, token, {"cluster": {"in": numbers}})
    assert len(everyone) == 8


async def test_bad_analytics_rules_name_their_node(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    rule = {
        "or": [
            {"churnRisk": {"min": 1.5}},
            {"cluster": {"in": [0]}},
            {"trackedEvents": {"name": "Add To Cart", "min": 1}},
            {"trackedEvents": {"name": "add_to_cart"}},
        ]
    }
    body = await gql.data(CREATE, {"rule": rule}, token)
    errors = body["createSegment"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("rule.or[0].churnRisk", "INVALID"),
        ("rule.or[1].cluster", "INVALID"),
        ("rule.or[2].trackedEvents", "INVALID"),
        ("rule.or[3].trackedEvents", "INVALID"),
    ]
