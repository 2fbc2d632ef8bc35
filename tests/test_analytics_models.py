"""What `crm analytics refresh` fits, read through the API, on data with known answers."""

from __future__ import annotations

from typing import Any

from config import Settings
from tests.analytics_helpers import (
    buy,
    days_ago,
    item,
    local,
    purchases,
    run_refresh,
    weekly_and_stopped,
)
from tests.offer_helpers import create_offer, customer_token
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

RULES = """
query($s: Float!, $c: Float!, $r: DateRangeInput) { analytics {
  associationRules(minSupport: $s, minConfidence: $c, range: $r) {
    antecedent { sku } consequent { sku } baskets support confidence lift } } }
"""
CUSTOMER = """
query($id: ID!) { customer(id: $id) {
  recommendations(first: 3) { product { sku name } score reason }
  churnRisk { probability band drivers { feature contribution } }
  cluster { number size label } } }
"""
MODEL = """{ analytics {
  churnRiskDistribution { scoredCustomers averageProbability buckets { from to customers }
    bands { band customers }
    model { fitted reason horizonDays auc brier trainingCustomers holdoutCustomers
            calibration { predicted observed customers } } }
  clusters { number size label centroid { recencyDays purchases spend events30d } }
  lastRefresh { counts } } }"""

COFFEE, CROISSANT = item("coffee", "4"), item("croissant", "3")
TEA, MUFFIN, JUICE = item("tea", "3"), item("muffin", "3"), item("juice", "5")


async def _basket_brand(gql: GraphQL, settings: Settings) -> tuple[Any, str, list[str]]:
    """10 baskets in March 2026: coffee and croissant together in 4, never apart."""
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    people = [(await create_customer(gql, token, name=f"P{i}"))["id"] for i in range(10)]
    baskets = [[COFFEE, CROISSANT]] * 4 + [[TEA], [TEA, MUFFIN], [MUFFIN], [JUICE], [TEA]]
    baskets += [[JUICE, MUFFIN]]
    specs = [
        buy(people[i], local(f"2026-03-{i + 2:02d}"), "10", items=basket)
        for i, basket in enumerate(baskets)
    ]
    await purchases(gql, token, specs)
    return brand, token, people


async def test_coffee_and_croissant_have_lift_2_5(gql: GraphQL, settings: Settings) -> None:
    brand, token, _ = await _basket_brand(gql, settings)
    await run_refresh(brand)
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    body = await gql.data(RULES, {"s": 0.3, "c": 0.5, "r": march}, token)
    assert body["analytics"]["associationRules"] == [
        {
            "antecedent": {"sku": "coffee"},
            "consequent": {"sku": "croissant"},
            "baskets": 4,
            "support": 0.4,
            "confidence": 1.0,
            "lift": 2.5,
        },
        {
            "antecedent": {"sku": "croissant"},
            "consequent": {"sku": "coffee"},
            "baskets": 4,
            "support": 0.4,
            "confidence": 1.0,
            "lift": 2.5,
        },
    ]
    loose = await gql.data(RULES, {"s": 0.1, "c": 0.4, "r": march}, token)
    rules = loose["analytics"]["associationRules"]
    # juice is in 2 baskets, one with muffin (in 3): confidence 1/2, lift 0.5 / 0.3;
    # muffin -> juice (1/3) and tea <-> muffin (1/3) fall under the confidence asked for
    assert [(r["antecedent"]["sku"], r["consequent"]["sku"], r["lift"]) for r in rules] == [
        ("coffee", "croissant", 2.5),
        ("croissant", "coffee", 2.5),
        ("juice", "muffin", 1.666667),
    ]
    april = await gql.data(
        RULES, {"s": 0.1, "c": 0.1, "r": {"from": "2026-04-01", "to": "2026-04-30"}}, token
    )
    assert april["analytics"]["associationRules"] == []
    found = await gql.data(
        '{ analytics { products(search: "CROIS") { id sku name } } }', token=token
    )
    croissant = found["analytics"]["products"][0]
    assert (croissant["sku"], croissant["name"]) == ("croissant", "Croissant")
    together = await gql.data(
        """query($id: ID!) { node(id: $id) { ... on Product { sku
             boughtTogether(first: 5) { consequent { sku } confidence lift } } } }""",
        {"id": croissant["id"]},
        token,
    )
    assert together["node"]["boughtTogether"] == [
        {"consequent": {"sku": "coffee"}, "confidence": 1.0, "lift": 2.5}
    ]


async def test_the_recommendation_is_what_similar_customers_bought_with_it(
    gql: GraphQL, settings: Settings
) -> None:
    brand, token, _ = await _basket_brand(gql, settings)
    newcomer = (await create_customer(gql, token, name="New"))["id"]
    await purchases(gql, token, [buy(newcomer, local("2026-03-20"), "4", items=[COFFEE])])
    await run_refresh(brand)
    body = await gql.data(CUSTOMER, {"id": newcomer}, token)
    recs = body["customer"]["recommendations"]
    assert recs[0]["product"] == {"sku": "croissant", "name": "Croissant"}
    assert recs[0]["reason"] == "bought with Coffee in 80% of baskets holding it"
    assert "coffee" not in [r["product"]["sku"] for r in recs]  # already bought
    assert recs[0]["score"] > recs[1]["score"]
    stranger = (await create_customer(gql, token, name="Nobody"))["id"]
    popular = (await gql.data(CUSTOMER, {"id": stranger}, token))["customer"]["recommendations"]
    assert popular[0]["reason"].startswith("popular: in ")
    own = await customer_token(gql, token, newcomer)
    mine = await gql.data("{ me { points { available } } }", token=own)  # the token works
    assert mine["me"]["points"] is not None
    other = await gql.post(
        CUSTOMER.replace(
            "churnRisk { probability band drivers { feature contribution } }", ""
        ).replace("cluster { number size label }", ""),
        {"id": stranger},
        own,
    )
    assert error_codes(other)  # a customer sees only their own


async def test_clusters_separate_two_obviously_different_groups(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    heavy = [(await create_customer(gql, token, name=f"H{i}"))["id"] for i in range(5)]
    light = [(await create_customer(gql, token, name=f"L{i}"))["id"] for i in range(5)]
    specs = [
        buy(c, days_ago(2 + j * 3 + i), str(80 + i)) for i, c in enumerate(heavy) for j in range(8)
    ]
    specs += [buy(c, days_ago(200 + 10 * i), str(5 + i)) for i, c in enumerate(light)]
    await purchases(gql, token, specs)
    result = await run_refresh(brand)
    assert result["clusters"]["k"] == 2
    body = await gql.data(MODEL, token=token)
    clusters = body["analytics"]["clusters"]
    assert [(c["number"], c["size"]) for c in clusters] == [(1, 5), (2, 5)]
    assert clusters[0]["centroid"]["spend"] > 500 > clusters[1]["centroid"]["spend"]
    assert "frequent" in clusters[0]["label"] and "lapsed" in clusters[1]["label"]
    of_heavy = await gql.data(CUSTOMER, {"id": heavy[0]}, token)
    of_light = await gql.data(CUSTOMER, {"id": light[0]}, token)
    assert of_heavy["customer"]["cluster"]["number"] == 1
    assert of_light["customer"]["cluster"]["number"] == 2


async def test_churn_ranks_a_customer_who_stopped_above_a_weekly_buyer(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    weekly, stopped = await weekly_and_stopped(gql, token, 6)
    result = await run_refresh(brand)
    assert result["churnModel"]["fitted"] is True
    body = await gql.data(MODEL, token=token)
    model = body["analytics"]["churnRiskDistribution"]["model"]
    assert model["horizonDays"] == 28
    assert model["trainingCustomers"] == 12 and model["holdoutCustomers"] == 3
    assert model["auc"] == 1.0  # the held-out quarter is ranked perfectly
    assert 0 <= model["brier"] < 0.25
    distribution = body["analytics"]["churnRiskDistribution"]
    assert distribution["scoredCustomers"] == 12
    assert sum(b["customers"] for b in distribution["buckets"]) == 12
    weekly_risk = (await gql.data(CUSTOMER, {"id": weekly[0]}, token))["customer"]["churnRisk"]
    stopped_risk = (await gql.data(CUSTOMER, {"id": stopped[0]}, token))["customer"]["churnRisk"]
    assert stopped_risk["probability"] > 0.5 > weekly_risk["probability"]
    assert stopped_risk["band"] == "HIGH" and weekly_risk["band"] == "LOW"
    top = stopped_risk["drivers"][0]
    assert top["feature"] == "recency_days" and top["contribution"] > 0


async def test_a_brand_too_small_for_a_model_says_why(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    one = (await create_customer(gql, token, name="Only"))["id"]
    await purchases(gql, token, [buy(one, days_ago(3), "9")])
    result = await run_refresh(brand)
    assert result["churnModel"]["fitted"] is False
    body = await gql.data(MODEL, token=token)
    model = body["analytics"]["churnRiskDistribution"]["model"]
    assert model["fitted"] is False and "needs at least" in model["reason"]
    assert body["analytics"]["clusters"] == []
    customer = await gql.data(CUSTOMER, {"id": one}, token)
    assert customer["customer"]["churnRisk"] is None


async def test_next_best_offers_rank_the_offer_for_the_recommended_item_first(
    gql: GraphQL, settings: Settings
) -> None:
    brand, token, _ = await _basket_brand(gql, settings)
    newcomer = (await create_customer(gql, token, name="New"))["id"]
    await purchases(gql, token, [buy(newcomer, local("2026-03-20"), "4", items=[COFFEE])])
    await run_refresh(brand)
    await create_offer(gql, token, kind="AMOUNT_OFF", title="2 off", amount="2")
    await create_offer(
        gql, token, kind="FREE_ITEM", title="Free croissant", itemSku="croissant", itemValue="3"
    )
    await create_offer(gql, token, kind="FREE_ITEM", title="Free tea", itemSku="tea", itemValue="3")
    query = """query($id: ID!) { customer(id: $id) {
      nextBestOffers(first: 3) { offer { title } score reasons } } }"""
    ranked = (await gql.data(query, {"id": newcomer}, token))["customer"]["nextBestOffers"]
    assert ranked[0]["offer"]["title"] == "Free croissant"
    assert "features Croissant, recommended for the customer" in ranked[0]["reasons"]
    assert ranked[0]["score"] > ranked[1]["score"] >= ranked[2]["score"]
