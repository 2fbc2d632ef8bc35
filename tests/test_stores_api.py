"""Stores and staff through the API, and everything that refers to a store by id: purchases,
tickets and survey answers (a Store id, or a store code as before), and the reports that
group by store (sales, tickets, NPS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from models.stores import Store
from resolvers.ids import to_global_id
from tests.booking_helpers import (
    ASSIGN,
    CREATE_STAFF,
    CREATE_STORE,
    UPDATE_STORE,
    codes,
    mutate,
    ok,
)
from tests.loyalty_support import REFUND, record
from tests.loyalty_support import mutate as loyalty_mutate
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import open_ticket, setup_brand

STORES = """query($f: StoreFilter) { stores(first: 10, filter: $f) {
  edges { node { code name city status staff { role staffMember { name } } } }
  pageInfo { hasNextPage } } }"""
STAFF = """query($store: ID) { staffMembers(storeId: $store) {
  edges { node { name skills
    assignments { role store { code } schedule { weekday opens } } } } } }"""
SALES = """query($f: DateTime!, $t: DateTime!) { storeSales(from: $f, to: $t) {
  store { code } purchases revenue customers } }"""
TICKET_STATS = "{ ticketStats { byStore { key count } } }"
NPS = (
    """query($id: ID!) { npsReport(surveyId: $id, groupBy: STORE) { groups { key responses } } }"""
)
PURCHASE_STORE = """query($id: ID!) { customer(id: $id) {
  purchases(first: 10) { edges { node { storeId store { code name } } } } } }"""


async def test_stores_and_staff(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("chain", timezone="Asia/Shanghai")
    token = await app_token(settings, brand)
    hours = [{"weekday": 1, "opens": "07:00", "closes": "21:00"}]
    created = await ok(
        gql,
        CREATE_STORE,
        {"code": "SH-01", "name": "Jing'an", "city": "Shanghai", "openingHours": hours},
        token,
    )
    store = created["store"]
    assert store["timezone"] == "Asia/Shanghai"  # the brand's by default
    assert store["openingHours"] == [{"weekday": 1, "opens": "07:00", "closes": "21:00"}]
    await ok(gql, CREATE_STORE, {"code": "BJ-01", "name": "Sanlitun", "city": "Beijing"}, token)
    barista = await ok(
        gql, CREATE_STAFF, {"name": "Chen", "skills": ["latte art", "latte art"]}, token
    )
    assert barista["staffMember"]["skills"] == ["latte art"]
    schedule = [{"weekday": 1, "opens": "07:00", "closes": "15:00"}]
    assigned = await ok(
        gql,
        ASSIGN,
        {
            "staffId": barista["staffMember"]["id"],
            "storeId": store["id"],
            "role": "BARISTA",
            "schedule": schedule,
        },
        token,
    )
    assert assigned["assignment"]["store"] == {"code": "SH-01"}
    listed = (await gql.data(STORES, {"f": {"city": "Shanghai"}}, token))["stores"]["edges"]
    assert [e["node"]["code"] for e in listed] == ["SH-01"]
    assert listed[0]["node"]["staff"] == [{"role": "BARISTA", "staffMember": {"name": "Chen"}}]
    staff = (await gql.data(STAFF, {"store": store["id"]}, token))["staffMembers"]["edges"]
    assert staff[0]["node"]["assignments"][0]["schedule"] == [{"weekday": 1, "opens": "07:00"}]
    closed = await ok(gql, UPDATE_STORE, {"id": store["id"], "status": "CLOSED"}, token)
    assert closed["store"]["status"] == "CLOSED"
    renamed = await mutate(gql, UPDATE_STORE, {"id": store["id"], "code": "BJ-01"}, token)
    assert codes(renamed) == ["DUPLICATE"]
    # another brand sees none of it
    other = await app_token(settings, await make_brand("other"))
    assert (await gql.data(STORES, {}, other))["stores"]["edges"] == []
    body = await mutate(gql, UPDATE_STORE, {"id": store["id"], "name": "mine"}, other)
    assert codes(body) == ["NOT_FOUND"]


async def test_purchases_refer_to_stores_and_sales_group_by_store(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("coffee")
    token = await app_token(settings, brand)
    li = (await create_customer(gql, token, name="Li"))["id"]
    wang = (await create_customer(gql, token, name="Wang"))["id"]
    created = await ok(gql, CREATE_STORE, {"code": "SH-01", "name": "Jing'an"}, token)
    by_id = created["store"]["id"]
    # a Store id, the same store's code, and a code never seen before (registered)
    assert (await record(gql, token, customerId=li, amount="30", storeId=by_id))["errors"] == []
    assert (await record(gql, token, customerId=wang, amount="20", storeId=" SH-01 "))[
        "errors"
    ] == []
    bought = await record(gql, token, customerId=li, amount="50", storeId="POS-77")
    assert bought["errors"] == []
    assert (await record(gql, token, customerId=li, amount="5"))["errors"] == []
    new_store = await Store.get(code="POS-77")
    assert (new_store.name, new_store.timezone, new_store.brand_id) == (
        "POS-77",
        brand.timezone,
        brand.id,
    )
    edges = (await gql.data(PURCHASE_STORE, {"id": li}, token))["customer"]["purchases"]["edges"]
    assert {(e["node"]["storeId"], (e["node"]["store"] or {}).get("code")) for e in edges} == {
        (by_id, "SH-01"),
        (to_global_id("Store", new_store.id), "POS-77"),
        (None, None),
    }
    # an unknown Store id is refused (another brand's is unknown)
    foreign = await app_token(settings, await make_brand("foreign"))
    theirs = (await ok(gql, CREATE_STORE, {"code": "F", "name": "F"}, foreign))["store"]["id"]
    refused = await record(gql, token, customerId=li, amount="5", storeId=theirs)
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("NOT_FOUND", "storeId")]
    # partial refund of the 50: net revenue
    refund = await loyalty_mutate(
        gql, token, REFUND, "refundPurchase", purchaseId=bought["purchase"]["id"], amount="10"
    )
    assert refund["errors"] == []
    now = datetime.now(UTC)
    window = {
        "f": (now - timedelta(days=1)).isoformat(),
        "t": (now + timedelta(days=1)).isoformat(),
    }
    sales = await gql.data(SALES, window, token)
    assert sales["storeSales"] == [
        {"store": {"code": "SH-01"}, "purchases": 2, "revenue": "50.00", "customers": 2},
        {"store": {"code": "POS-77"}, "purchases": 1, "revenue": "40.00", "customers": 1},
        {"store": None, "purchases": 1, "revenue": "5.00", "customers": 1},
    ]


async def test_tickets_and_nps_group_by_store(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings, detractorFollowUp=False)
    store = (await ok(gql, CREATE_STORE, {"code": "XA-1", "name": "Xi'an 1"}, token))["store"]
    await open_ticket(gql, token, customer["id"], storeId=store["id"])
    await open_ticket(gql, token, customer["id"], storeId="XA-1")
    await open_ticket(gql, token, customer["id"])
    by_store = (await gql.data(TICKET_STATS, {}, token))["ticketStats"]["byStore"]
    assert by_store == [{"key": "XA-1", "count": 2}, {"key": "NONE", "count": 1}]
    filtered = await gql.data(
        "query($s: ID!) { tickets(filter: {store: $s}) { totalCount } }", {"s": store["id"]}, token
    )
    assert filtered["tickets"]["totalCount"] == 2
    survey = await create_survey(gql, token)
    others = [(await create_customer(gql, token, name=f"C{i}"))["id"] for i in range(2)]
    at_store = await invite(
        gql, token, survey["id"], [customer["id"], others[0]], store=store["id"]
    )
    nowhere = await invite(gql, token, survey["id"], [others[1]])
    for inv in at_store + nowhere:
        assert (await answer(gql, inv["token"], [{"questionId": "q1", "score": 9}]))["errors"] == []
    groups = (await gql.data(NPS, {"id": survey["id"]}, token))["npsReport"]["groups"]
    assert groups == [{"key": "UNKNOWN", "responses": 1}, {"key": "XA-1", "responses": 2}]
