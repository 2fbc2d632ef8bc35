"""Behaviour tracking through the API: trackEvents, idempotency, stitching, the timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from models.analytics import TrackedEvent
from resolvers.ids import to_global_id
from tests.offer_helpers import customer_token
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand
from tests.tracking_helpers import TRACK, at, behaviour, event, track

DEFINE = """
mutation($name: String!) { defineTrackingEvent(input: {name: $name, description: "d"}) {
  eventName { name custom } errors { field code } } }
"""


async def test_good_events_are_stored_and_bad_ones_refused_one_by_one(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand, "events:write customers:write")
    ann = await create_customer(gql, token, name="Ann")
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    result = await track(
        gql,
        token,
        [
            event("e0", "product_view", customerId=ann["id"], properties={"sku": "latte"}),
            event("e1", "teleport", customerId=ann["id"]),
            event("e2", "add_to_cart", customerId=ann["id"], occurredAt=future),
            event("e3", "add_to_cart", customerId=ann["id"], properties={"sku": {"nested": 1}}),
            event("e4", "page_view", anonymousId="visitor-1", properties={"path": "/menu"}),
            event("e5", "page_view", customerId=to_global_id("Customer", 999_999)),
            event("e6", "page_view"),
            event("bad id!", "page_view", anonymousId="v"),
        ],
    )
    assert result["accepted"] == 2
    assert result["duplicates"] == 0
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("events[1].name", "UNKNOWN_EVENT_NAME"),
        ("events[2].occurredAt", "TIME_OUT_OF_RANGE"),
        ("events[3].properties", "INVALID_PROPERTIES"),
        ("events[5].customerId", "NOT_FOUND"),
        ("events[6].customerId", "REQUIRED"),
        ("events[7].eventId", "INVALID"),
    ]
    stored = await TrackedEvent.filter(brand_id=brand.id).order_by("event_id")
    assert [(e.event_id, e.name, e.properties) for e in stored] == [
        ("e0", "product_view", {"sku": "latte"}),
        ("e4", "page_view", {"path": "/menu"}),
    ]


async def test_a_retried_batch_is_accepted_but_stored_once(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand, "events:write")
    batch = [event(f"r{i}", anonymousId="visitor-9") for i in range(3)]
    batch.append(event("r0", anonymousId="visitor-9"))  # a repeat inside the batch
    first = await track(gql, token, batch)
    again = await track(gql, token, batch)
    assert (first["accepted"], first["duplicates"]) == (4, 1)
    assert (again["accepted"], again["duplicates"]) == (4, 4)
    assert await TrackedEvent.filter(brand_id=brand.id).count() == 3


async def test_a_batch_over_500_is_refused_whole(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand, "events:write")
    result = await track(gql, token, [event(f"x{i}", anonymousId="v") for i in range(501)])
    assert result["accepted"] == 0
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("events", "TOO_LONG")]
    assert await TrackedEvent.filter(brand_id=brand.id).count() == 0


async def test_brand_defined_names_are_accepted_once_defined(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand, "events:write")
    before = await track(gql, token, [event("c1", "loyalty_card_scanned", anonymousId="v")])
    assert [e["code"] for e in before["errors"]] == ["UNKNOWN_EVENT_NAME"]
    defined = await gql.data(DEFINE, {"name": "loyalty_card_scanned"}, token)
    assert defined["defineTrackingEvent"]["eventName"] == {
        "name": "loyalty_card_scanned",
        "custom": True,
    }
    clash = await gql.data(DEFINE, {"name": "page_view"}, token)
    assert clash["defineTrackingEvent"]["errors"] == [{"field": "name", "code": "DUPLICATE"}]
    after = await track(gql, token, [event("c1", "loyalty_card_scanned", anonymousId="v")])
    assert (after["accepted"], after["errors"]) == (1, [])
    other = await make_brand("other")  # a name one brand defined is not another's
    other_token = await app_token(settings, other, "events:write")
    refused = await track(gql, other_token, [event("c1", "loyalty_card_scanned", anonymousId="v")])
    assert [e["code"] for e in refused["errors"]] == ["UNKNOWN_EVENT_NAME"]


async def test_a_customer_token_sends_only_its_own_events(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    ann = await create_customer(gql, staff, name="Ann")
    bob = await create_customer(gql, staff, name="Bob")
    ann_token = await customer_token(gql, staff, ann["id"])
    result = await track(
        gql,
        ann_token,
        [
            event("a1", "add_to_cart", properties={"sku": "latte"}),
            event("a2", customerId=bob["id"]),
        ],
    )
    assert result["accepted"] == 1
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("events[1].customerId", "INVALID")
    ]
    assert await behaviour(gql, staff, ann["id"]) == ["add_to_cart (sku: latte)"]
    assert await behaviour(gql, staff, bob["id"]) == []


async def test_signing_in_stitches_the_visitors_earlier_events(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    ann = await create_customer(gql, staff, name="Ann")
    visitor = "anon-42"
    await track(gql, staff, [event("v1", "product_view", anonymousId=visitor, occurredAt=at(30))])
    await track(gql, staff, [event("v2", "add_to_cart", anonymousId=visitor, occurredAt=at(20))])
    assert await behaviour(gql, staff, ann["id"]) == []
    ann_token = await customer_token(gql, staff, ann["id"])
    await track(gql, ann_token, [event("v3", "signed_in", anonymousId=visitor, occurredAt=at(10))])
    # after signing in, the device's anonymous events are hers too
    await track(
        gql, staff, [event("v4", "checkout_started", anonymousId=visitor, occurredAt=at(5))]
    )
    assert await behaviour(gql, staff, ann["id"]) == [
        "checkout_started",
        "signed_in",
        "add_to_cart",
        "product_view",
    ]


async def test_tracking_needs_events_write_and_stays_in_its_brand(
    gql: GraphQL, settings: Settings
) -> None:
    acme = await make_brand("acme")
    other = await make_brand("other")
    reader = await app_token(settings, acme, "customers:read events:read")
    body = await gql.post(TRACK, {"input": {"events": [event("z", anonymousId="v")]}}, reader)
    assert error_codes(body) == ["FORBIDDEN"]
    other_staff = await app_token(settings, other, "admin")
    theirs = await create_customer(gql, other_staff, name="Theirs")
    acme_writer = await app_token(settings, acme, "events:write")
    result = await track(gql, acme_writer, [event("z", customerId=theirs["id"])])
    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]


async def test_merging_customers_moves_their_behaviour(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    ann = await create_customer(gql, staff, name="Ann")
    dup = await create_customer(gql, staff, name="Ann again")
    await track(
        gql, staff, [event("m1", "search", customerId=dup["id"], properties={"query": "tea"})]
    )
    merge = """mutation($s: ID!, $t: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $t}) {
      errors { code } } }"""
    assert (await gql.data(merge, {"s": dup["id"], "t": ann["id"]}, staff))["mergeCustomers"] == {
        "errors": []
    }
    assert await behaviour(gql, staff, ann["id"]) == ["search (query: tea)"]


async def test_events_name_a_store_of_the_brand_only(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    rival = await app_token(settings, await make_brand("rival"))
    create = """mutation($input: CreateStoreInput!) { createStore(input: $input) {
      store { id } errors { code } } }"""
    values = {"code": "SOHO", "name": "Soho", "timezone": "Europe/London"}
    ours = (await gql.data(create, {"input": values}, token))["createStore"]["store"]["id"]
    theirs = (await gql.data(create, {"input": values}, rival))["createStore"]["store"]["id"]
    result = await track(
        gql,
        token,
        [
            event("s1", "page_view", anonymousId="v", storeId=ours),
            event("s2", "page_view", anonymousId="v", storeId=theirs),
            event("s3", "page_view", anonymousId="v", storeId=to_global_id("Store", 10**12)),
            event("s4", "page_view", anonymousId="v", storeId=to_global_id("Customer", 1)),
        ],
    )
    assert result["accepted"] == 1
    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("events[1].storeId", "NOT_FOUND"),
        ("events[2].storeId", "NOT_FOUND"),
        ("events[3].storeId", "INVALID"),
    ]
    (stored,) = await TrackedEvent.filter(brand_id=brand.id)
    assert stored.store_id is not None and to_global_id("Store", stored.store_id) == ours
