"""The date-ranged reports through the API, on data whose every figure is known in advance.

Reports read what `crm analytics refresh` cached (run in-process here). The brand's zone is
Asia/Shanghai (UTC+8): a purchase at 17:00 UTC on 31 March is on 1 April.
"""

from __future__ import annotations

from typing import Any

from config import Settings
from tests.analytics_helpers import buy, days_ago, item, local, purchases, run_refresh
from tests.loyalty_support import REDEEM, REFUND, mutate
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

REPEAT = """
query($r: DateRangeInput) { analytics { repeatPurchaseRate(range: $r) {
  range { from to days } buyers repeatBuyers rate } } }
"""
COHORTS = """
query($r: DateRangeInput, $p: CohortPeriod!) { analytics { retentionCohorts(range: $r, period: $p) {
  period cohorts { from size active rates } } } }
"""
SERIES = """
query($r: DateRangeInput, $i: ReportInterval!, $g: SalesGroupBy) {
  analytics { salesSeries(range: $r, interval: $i, groupBy: $g) {
    interval groupBy groupsLeftOut
    series { key purchases revenue points { from to purchases revenue customers } } } } }
"""
OVERVIEW = """
query($r: DateRangeInput, $i: ReportInterval!) { analytics { overview(range: $r, interval: $i) {
  range { from to } previousRange { from to }
  current { customers newCustomers activeCustomers purchases revenue averageOrderValue
            purchaseFrequency pointsIssued pointsRedeemed }
  previous { activeCustomers purchases revenue averageOrderValue purchaseFrequency }
  periods { from to figures { purchases revenue activeCustomers newCustomers customers } } } } }
"""
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def _customers(gql: GraphQL, token: str, n: int) -> list[str]:
    return [(await create_customer(gql, token, name=f"C{i}"))["id"] for i in range(n)]


async def test_repeat_purchase_rate_is_forty_percent(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    c = await _customers(gql, token, 10)
    specs = [buy(c[i], local("2026-03-05")) for i in range(10)]  # every one buys once
    specs += [buy(c[i], local("2026-03-20")) for i in range(4)]  # four of them twice
    specs += [buy(c[5], local("2026-02-27"))]  # before the range: not a repeat in it
    specs += [buy(c[6], "2026-03-31T17:00:00+00:00")]  # 1 April in Shanghai
    recorded = await purchases(gql, token, specs)
    refunded = await purchases(gql, token, [buy(c[7], local("2026-03-25"))])
    await mutate(gql, token, REFUND, "refundPurchase", purchaseId=refunded[0]["purchase"]["id"])
    assert len(recorded) == 16
    assert (await gql.data(REPEAT, {"r": MARCH}, token))["analytics"]["repeatPurchaseRate"][
        "buyers"
    ] == 0  # nothing before the refresh
    await run_refresh(brand)
    body = await gql.data(REPEAT, {"r": MARCH}, token)
    assert body["analytics"]["repeatPurchaseRate"] == {
        "range": {"from": "2026-03-01", "to": "2026-03-31", "days": 31},
        "buyers": 10,
        "repeatBuyers": 4,
        "rate": 0.4,
    }


async def test_cohort_matrix_has_known_cells(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    a, b, c, d, e, f = await _customers(gql, token, 6)
    specs = [
        # January cohort: a, b, c; February: a, b; March: a
        buy(a, local("2026-01-03")),
        buy(b, local("2026-01-10")),
        buy(c, local("2026-01-31", hour=23)),
        buy(a, local("2026-02-02")),
        buy(b, local("2026-02-14")),
        buy(b, local("2026-02-15")),
        buy(a, local("2026-03-30")),
        # February cohort: d, e; both back in March
        buy(d, local("2026-02-01", hour=1)),
        buy(e, local("2026-02-20")),
        buy(d, local("2026-03-01")),
        buy(e, local("2026-03-31")),
        # f first bought in December: no cohort of the range, and not counted in any
        buy(f, local("2025-12-24")),
        buy(f, local("2026-02-24")),
    ]
    await purchases(gql, token, specs)
    await run_refresh(brand)
    query = {"r": {"from": "2026-01-01", "to": "2026-03-31"}, "p": "MONTH"}
    body = await gql.data(COHORTS, query, token)
    cohorts = body["analytics"]["retentionCohorts"]["cohorts"]
    assert cohorts == [
        {"from": "2026-01-01", "size": 3, "active": [3, 2, 1], "rates": [1.0, 0.666667, 0.333333]},
        {"from": "2026-02-01", "size": 2, "active": [2, 2], "rates": [1.0, 1.0]},
    ]
    weekly = await gql.data(
        COHORTS, {"r": {"from": "2026-02-02", "to": "2026-02-22"}, "p": "WEEK"}, token
    )
    # weeks start on Monday 2 Feb; first purchases in the range: e (20 Feb) only
    assert weekly["analytics"]["retentionCohorts"]["cohorts"] == [
        {"from": "2026-02-16", "size": 1, "active": [1], "rates": [1.0]}
    ]


async def test_sales_series_by_channel_and_category(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    a, b = await _customers(gql, token, 2)
    specs = [
        buy(
            a,
            local("2026-03-02"),
            "30",
            channel="app",
            storeId="SOHO",
            items=[item("latte", "30", "coffee")],
        ),
        buy(
            b,
            local("2026-03-02"),
            "12",
            channel="store",
            storeId="SOHO",
            items=[item("bun", "6", "bakery", 2)],
        ),
        buy(
            a,
            local("2026-03-04"),
            "20",
            channel="app",
            storeId="KX",
            items=[item("tea", "20", "tea")],
        ),
        buy(a, "2026-03-03T16:30:00+00:00", "5", channel="app"),  # 4 March 00:30 local
    ]
    await purchases(gql, token, specs)
    await run_refresh(brand)
    days = {"from": "2026-03-02", "to": "2026-03-04"}
    body = await gql.data(SERIES, {"r": days, "i": "DAY", "g": "CHANNEL"}, token)
    series = body["analytics"]["salesSeries"]
    assert series["groupBy"] == "CHANNEL"
    assert [(s["key"], s["purchases"], s["revenue"]) for s in series["series"]] == [
        ("app", 3, "55.00"),
        ("store", 1, "12.00"),
    ]
    app = series["series"][0]["points"]
    assert [(p["from"], p["purchases"], p["revenue"], p["customers"]) for p in app] == [
        ("2026-03-02", 1, "30.00", None),
        ("2026-03-03", 0, "0.00", None),
        ("2026-03-04", 2, "25.00", None),
    ]
    by_category = await gql.data(SERIES, {"r": days, "i": "MONTH", "g": "CATEGORY"}, token)
    cats = by_category["analytics"]["salesSeries"]["series"]
    assert [(s["key"], s["purchases"], s["revenue"]) for s in cats] == [
        ("coffee", 1, "30.00"),
        ("tea", 1, "20.00"),
        ("bakery", 1, "12.00"),
    ]
    assert cats[0]["points"] == [
        {
            "from": "2026-03-02",
            "to": "2026-03-04",
            "purchases": 1,
            "revenue": "30.00",
            "customers": None,
        }
    ]
    total = await gql.data(SERIES, {"r": days, "i": "WEEK"}, token)
    by_store = await gql.data(
        SERIES.replace("groupsLeftOut", "groupsLeftOut series { store { code } }"),
        {"r": days, "i": "MONTH", "g": "STORE"},
        token,
    )
    stores = by_store["analytics"]["salesSeries"]["series"]
    soho = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Store { code } } }",
        {"id": stores[0]["key"]},
        token,
    )
    assert [((s["store"] or {}).get("code"), s["purchases"], s["revenue"]) for s in stores] == [
        ("SOHO", 2, "42.00"),
        ("KX", 1, "20.00"),
        (None, 1, "5.00"),  # recorded without a store
    ]
    assert soho["node"] == {"code": stores[0]["store"]["code"]}
    whole = total["analytics"]["salesSeries"]["series"]
    assert [(s["key"], s["purchases"], s["revenue"]) for s in whole] == [(None, 4, "67.00")]
    # 2 March is a Monday: one week; a and b bought in it
    assert [(p["from"], p["to"], p["customers"]) for p in whole[0]["points"]] == [
        ("2026-03-02", "2026-03-04", 2)
    ]


async def test_overview_compares_with_the_previous_period(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    a, b, c = await _customers(gql, token, 3)
    earned = await purchases(
        gql,
        token,
        [
            buy(a, days_ago(40), "50"),  # the previous 30 days
            buy(b, days_ago(45), "30"),
            buy(a, days_ago(10), "100"),  # the last 30 days
            buy(a, days_ago(5), "20"),
            buy(b, days_ago(3), "60"),
        ],
    )
    await mutate(gql, token, REDEEM, "redeemPoints", customerId=a, points=7, reason="cup")
    await run_refresh(brand)
    body = await gql.data(OVERVIEW, {"i": "MONTH"}, token)
    o = body["analytics"]["overview"]
    assert o["current"] == {
        "customers": 3,
        "newCustomers": 3,
        "activeCustomers": 2,
        "purchases": 3,
        "revenue": "180.00",
        "averageOrderValue": "60.00",
        "purchaseFrequency": 1.5,
        "pointsIssued": sum(r["pointsEarned"] for r in earned),  # all recorded today
        "pointsRedeemed": 7,
    }
    assert o["previous"] == {
        "activeCustomers": 2,
        "purchases": 2,
        "revenue": "80.00",
        "averageOrderValue": "40.00",
        "purchaseFrequency": 1.0,
    }
    assert sum(p["figures"]["purchases"] for p in o["periods"]) == 3
    assert o["periods"][-1]["figures"]["customers"] == 3
    assert c  # registered, never bought


async def test_bad_arguments_get_typed_errors(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)

    def refusal(body: dict[str, Any]) -> tuple[str, str, str]:
        ext = body["errors"][0]["extensions"]
        return ext["code"], ext.get("field"), ext.get("reason")

    inverted = await gql.post(REPEAT, {"r": {"from": "2026-03-31", "to": "2026-03-01"}}, token)
    assert refusal(inverted) == ("BAD_USER_INPUT", "range", "INVERTED_RANGE")
    too_long = await gql.post(REPEAT, {"r": {"from": "2020-01-01", "to": "2026-03-01"}}, token)
    assert refusal(too_long) == ("BAD_USER_INPUT", "range", "RANGE_TOO_LONG")
    daily_year = {"from": "2025-01-01", "to": "2026-03-01"}
    too_many = await gql.post(SERIES, {"r": daily_year, "i": "DAY"}, token)
    assert refusal(too_many) == ("BAD_USER_INPUT", "range", "RANGE_TOO_LONG")
    weekly_cohorts = await gql.post(COHORTS, {"r": daily_year, "p": "WEEK"}, token)
    assert refusal(weekly_cohorts) == ("BAD_USER_INPUT", "range", "RANGE_TOO_LONG")
    unknown_group = await gql.post(SERIES, {"r": MARCH, "i": "DAY", "g": "WEATHER"}, token)
    assert unknown_group["data"] is None  # refused by validation: the groups are an enum
    assert "does not exist in 'SalesGroupBy' enum" in unknown_group["errors"][0]["message"]
    rules = "query($s: Float!) { analytics { associationRules(minSupport: $s) { lift } } }"
    assert refusal(await gql.post(rules, {"s": 0}, token)) == (
        "BAD_USER_INPUT",
        "minSupport",
        "OUT_OF_RANGE",
    )
    recs = "query($id: ID!) { customer(id: $id) { recommendations(first: 500) { score } } }"
    someone = (await create_customer(gql, token, name="X"))["id"]
    assert refusal(await gql.post(recs, {"id": someone}, token))[1] == "first"


async def test_reports_need_analytics_read_and_an_empty_brand_gets_empty_reports(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    reader = await app_token(settings, brand, "customers:read")
    assert error_codes(await gql.post(REPEAT, {"r": MARCH}, reader)) == ["FORBIDDEN"]
    token = await app_token(settings, brand, "analytics:read")
    empty = """{ analytics {
      repeatPurchaseRate { buyers rate }
      retentionCohorts { cohorts { size } }
      salesSeries(groupBy: STORE) { series { key } }
      associationRules { lift }
      churnRiskDistribution { scoredCustomers averageProbability model { fitted } }
      clusters { number }
      products { sku }
      lastRefresh { seconds } } }"""
    body = await gql.data(empty, token=token)
    assert body["analytics"] == {
        "repeatPurchaseRate": {"buyers": 0, "rate": None},
        "retentionCohorts": {"cohorts": []},
        "salesSeries": {"series": []},
        "associationRules": [],
        "churnRiskDistribution": {
            "scoredCustomers": 0,
            "averageProbability": None,
            "model": None,
        },
        "clusters": [],
        "products": [],
        "lastRefresh": None,
    }


async def test_reports_stay_in_their_brand(gql: GraphQL, settings: Settings) -> None:
    acme, other = await make_brand("acme"), await make_brand("other")
    acme_token, other_token = await app_token(settings, acme), await app_token(settings, other)
    theirs = await _customers(gql, other_token, 2)
    await purchases(gql, other_token, [buy(x, local("2026-03-05")) for x in theirs])
    await run_refresh(acme)
    await run_refresh(other)
    body = await gql.data(REPEAT, {"r": MARCH}, acme_token)
    assert body["analytics"]["repeatPurchaseRate"]["buyers"] == 0
    mine = await gql.data(REPEAT, {"r": MARCH}, other_token)
    assert mine["analytics"]["repeatPurchaseRate"]["buyers"] == 2
