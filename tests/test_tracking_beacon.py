"""POST /track: the sendBeacon-style endpoint, with a token or a public write key."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest

from config import Settings
from models.analytics import TrackedEvent
from server import create_app
from tests.offer_helpers import customer_token
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.tracking_helpers import behaviour, event, write_key

REVOKE = """
mutation($id: ID!) { revokeTrackingKey(input: {id: $id}) {
  trackingKey { active } errors { code } } }
"""


async def test_a_write_key_sends_visitor_events_as_text_plain(
    http: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    key = await write_key(gql, staff)
    body = orjson.dumps({"events": [event("b1", "page_view", anonymousId="v1")]})
    # navigator.sendBeacon(url, string): text/plain, no custom headers, the key in the URL
    response = await http.post(
        f"/track?writeKey={key['key']}", content=body, headers={"content-type": "text/plain"}
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 1, "duplicates": 0, "errors": []}
    assert response.headers["access-control-allow-origin"] == "*"
    in_header = await http.post(
        "/track",
        json=[event("b2", "page_view", anonymousId="v1")],
        headers={"x-tracking-key": key["key"]},
    )
    in_body = await http.post(
        "/track",
        json={"writeKey": key["key"], "events": [event("b3", "search", anonymousId="v1")]},
    )
    assert in_header.json()["accepted"] == in_body.json()["accepted"] == 1
    assert await TrackedEvent.filter(brand_id=brand.id, anonymous_id="v1").count() == 3


async def test_a_write_key_cannot_speak_for_a_customer(
    http: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    ann = await create_customer(gql, staff, name="Ann")
    key = await write_key(gql, staff)
    response = await http.post(
        "/track",
        json={"writeKey": key["key"], "events": [event("k1", customerId=ann["id"])]},
    )
    assert response.json()["accepted"] == 0
    assert [e["code"] for e in response.json()["errors"]] == ["INVALID"]
    assert await behaviour(gql, staff, ann["id"]) == []


async def test_a_bearer_token_feeds_the_same_path(
    http: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    ann = await create_customer(gql, staff, name="Ann")
    ann_token = await customer_token(gql, staff, ann["id"])
    response = await http.post(
        "/track",
        json={"events": [event("t1", "offer_viewed", properties={"offerId": "o1"})]},
        headers={"authorization": f"Bearer {ann_token}"},
    )
    assert response.json() == {"accepted": 1, "duplicates": 0, "errors": []}
    assert await behaviour(gql, staff, ann["id"]) == ["offer_viewed (offerId: o1)"]
    reader = await app_token(settings, brand, "customers:read")
    forbidden = await http.post(
        "/track", json=[event("t2", anonymousId="v")], headers={"authorization": f"Bearer {reader}"}
    )
    assert forbidden.status_code == 403


async def test_bad_requests_get_typed_refusals(
    http: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    key = await write_key(gql, staff)
    nothing = await http.post("/track", json=[event("n1", anonymousId="v")])
    assert (nothing.status_code, nothing.json()["errors"][0]["extensions"]["code"]) == (
        401,
        "UNAUTHENTICATED",
    )
    for content in (b"{not json", b'"a string"', b'{"events": 3}'):
        bad = await http.post("/track", content=content, headers={"x-tracking-key": key["key"]})
        assert bad.status_code == 400
        assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    too_many = [event(f"m{i}", anonymousId="v") for i in range(501)]
    big = await http.post("/track", json=too_many, headers={"x-tracking-key": key["key"]})
    assert big.status_code == 400
    odd = await http.post(
        "/track", json=[1, {"eventId": 5}], headers={"x-tracking-key": key["key"]}
    )
    assert [e["field"] for e in odd.json()["errors"]] == ["events[0].eventId", "events[1].eventId"]
    revoked = await gql.data(REVOKE, {"id": key["id"]}, staff)
    assert revoked["revokeTrackingKey"]["trackingKey"] == {"active": False}
    dead = await http.post(
        "/track", json=[event("d", anonymousId="v")], headers={"x-tracking-key": key["key"]}
    )
    assert dead.status_code == 401
    preflight = await http.options("/track")
    assert preflight.status_code == 204


@pytest.fixture
async def strict_http(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app with a small per-client bucket: 5 events, refilled at 1 a second."""
    strict = dataclasses.replace(
        settings, tracking_client_burst=5, tracking_client_events_per_second=1
    )
    app = create_app(strict, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield client


async def test_a_write_key_is_rate_limited(
    strict_http: httpx.AsyncClient, gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    staff = await app_token(settings, brand, "admin")
    key = await write_key(gql, staff)
    headers = {"x-tracking-key": key["key"]}
    first = await strict_http.post(
        "/track", json=[event(f"r{i}", anonymousId="v") for i in range(4)], headers=headers
    )
    assert first.json()["accepted"] == 4
    refused = await strict_http.post(
        "/track", json=[event(f"s{i}", anonymousId="v") for i in range(4)], headers=headers
    )
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert await TrackedEvent.filter(brand_id=brand.id).count() == 4
