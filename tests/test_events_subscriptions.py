"""Typed subscriptions over real websockets: pointsChanged, ticketUpdated, customers, protocols."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
import websockets

from auth.tokens import issue_token
from config import Settings
from models import Brand
from resolvers.ids import decode_id
from tests.support import app_token, make_brand, mint
from tests.test_events_ws import CREATE, WS, connect, mutate, server, sockets  # noqa: F401
from tests.ticket_helpers import CONFIGURE, NOTE, OPEN, TRANSITION

AWARD = """mutation($input: AwardPointsInput!) { awardPoints(input: $input) {
  transaction { id } errors { code } } }"""
POINTS = """subscription($c: ID!) { pointsChanged(customerId: $c) {
  __typename id type customerId delta balance kind transactionId } }"""
TICKET = """subscription($t: ID!) { ticketUpdated(ticketId: $t) {
  __typename id type status operation ticketId } }"""
EVENTS = """subscription { events { __typename id type customerId
  ... on PointsChanged { delta } ... on TicketUpdated { status } } }"""


async def create(base: str, token: str, name: str) -> str:
    body = await mutate(base, token, CREATE, {"input": {"name": name}})
    assert body["data"]["createCustomer"]["errors"] == [], body
    return str(body["data"]["createCustomer"]["customer"]["id"])


async def subscribe(ws: WS, sub_id: str, query: str, variables: dict[str, Any]) -> None:
    payload = {"query": query, "variables": variables}
    await ws.conn.send(json.dumps({"id": sub_id, "type": "subscribe", "payload": payload}))
    await asyncio.sleep(0.3)  # let the server register the subscription before triggering


async def data(ws: WS, field: str) -> dict[str, Any]:
    message = await ws.recv()
    assert message["type"] == "next", message
    assert not message["payload"].get("errors"), message
    value: dict[str, Any] = message["payload"]["data"][field]
    return value


async def opened(base: str, token: str, sockets: list[Any]) -> WS:  # noqa: F811
    ws = await connect(base, token)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    return ws


async def award(base: str, token: str, customer_id: str, points: int) -> None:
    values = {"customerId": customer_id, "points": points, "reason": "welcome"}
    body = await mutate(base, token, AWARD, {"input": values})
    assert body["data"]["awardPoints"]["errors"] == [], body


async def test_points_changed_for_one_customer(
    server: str,  # noqa: F811
    settings: Settings,
    sockets: list[Any],  # noqa: F811
) -> None:
    brand = await make_brand()
    staff = await app_token(settings, brand, "events:read points:write customers:write")
    alice, bob = await create(server, staff, "Alice"), await create(server, staff, "Bob")
    ws = await opened(server, staff, sockets)
    await subscribe(ws, "p", POINTS, {"c": alice})
    await award(server, staff, bob, 5)
    await award(server, staff, alice, 40)
    event = await data(ws, "pointsChanged")
    assert event["__typename"] == "PointsChanged"
    assert (event["customerId"], event["delta"], event["balance"], event["kind"]) == (
        alice,
        40,
        40,
        "EARN",
    )
    assert event["transactionId"]
    with pytest.raises(TimeoutError):
        await ws.recv(timeout=1.0)  # Bob's change never arrives


async def _ticket_brand(base: str, settings: Settings) -> tuple[Brand, str, str, str]:
    brand = await make_brand()
    admin = await app_token(settings, brand)
    body = await mutate(
        base, admin, CONFIGURE, {"input": {"categories": ["delivery"], "rootCauses": ["courier"]}}
    )
    assert body["data"]["configureTickets"]["errors"] == [], body
    customer = await create(base, admin, "Wang Fang")
    values = {
        "customerId": customer,
        "channel": "WECHAT",
        "category": "delivery",
        "severity": "HIGH",
        "subject": "Cold coffee",
        "description": "It was cold",
    }
    ticket = (await mutate(base, admin, OPEN, {"input": values}))["data"]["openTicket"]["ticket"]
    return brand, admin, customer, str(ticket["id"])


async def test_ticket_updated_carries_status_and_hides_internal_notes(
    server: str,  # noqa: F811
    settings: Settings,
    sockets: list[Any],  # noqa: F811
) -> None:
    brand, admin, _, ticket = await _ticket_brand(server, settings)
    reader = await app_token(settings, brand, "events:read tickets:read")
    writer = await app_token(settings, brand, "events:read tickets:write")
    ws_reader = await opened(server, reader, sockets)
    ws_writer = await opened(server, writer, sockets)
    await subscribe(ws_reader, "r", TICKET, {"t": ticket})
    await subscribe(ws_writer, "w", TICKET, {"t": ticket})
    await mutate(server, admin, NOTE, {"id": ticket, "body": "VIP, be nice"})
    await mutate(server, admin, TRANSITION, {"id": ticket, "to": "OPEN"})
    note = await data(ws_writer, "ticketUpdated")
    assert (note["operation"], note["status"], note["ticketId"]) == ("addTicketNote", "NEW", ticket)
    moved = await data(ws_writer, "ticketUpdated")
    assert (moved["operation"], moved["status"]) == ("transitionTicket", "OPEN")
    first_for_reader = await data(ws_reader, "ticketUpdated")
    assert first_for_reader["id"] == moved["id"]  # the note's event was skipped, nothing else
    assert first_for_reader["type"] == "ticket.updated"


async def test_a_customer_token_receives_only_its_own_events(
    server: str,  # noqa: F811
    settings: Settings,
    sockets: list[Any],  # noqa: F811
) -> None:
    brand, admin, customer, ticket = await _ticket_brand(server, settings)
    other = await create(server, admin, "Other")
    pk = decode_id(customer, "Customer")
    me = issue_token(settings, "customer", pk, brand.slug, frozenset(), 600).token
    ws = await opened(server, me, sockets)
    await subscribe(ws, "me", EVENTS, {})
    await award(server, admin, other, 7)
    await mutate(server, admin, NOTE, {"id": ticket, "body": "internal"})
    await award(server, admin, customer, 9)
    await mutate(server, admin, TRANSITION, {"id": ticket, "to": "OPEN"})
    received = []
    with pytest.raises(TimeoutError):
        while True:
            message = await ws.recv(timeout=1.5)
            received.append(message["payload"]["data"]["events"])
    assert {e["customerId"] for e in received} == {customer}
    assert [e["delta"] for e in received if e["type"] == "points.changed"] == [9]
    updates = [e for e in received if e["type"] == "ticket.updated"]
    assert [u["status"] for u in updates] == ["OPEN"]  # the note's event never reaches them
    # and the customer may follow its own ticket, but not subscribe to a dashboard
    dash = await opened(server, me, sockets)
    await dash.conn.send(
        json.dumps(
            {
                "id": "d",
                "type": "subscribe",
                "payload": {"query": "subscription { dashboard { openTickets } }"},
            }
        )
    )
    refused = await dash.recv()
    assert refused["type"] in ("error", "next"), refused
    assert "FORBIDDEN" in json.dumps(refused)


async def test_expired_token_is_refused_at_connection(
    server: str,  # noqa: F811
    settings: Settings,
    sockets: list[Any],  # noqa: F811
) -> None:
    from services.brands import brands

    brand = await make_brand()
    created = await brands.create_app(brand, "old", ["events:read"])
    expired = mint(settings, created.app.id, brand.slug, "events:read", ttl=-10)
    ws = await connect(server, expired)
    sockets.append(ws.conn)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_legacy_protocol_refuses_a_bad_token(
    server: str,  # noqa: F811
    sockets: list[Any],  # noqa: F811
) -> None:
    ws = await connect(server, "not-a-token", protocol="graphql-ws")
    sockets.append(ws.conn)
    message = await ws.recv()
    assert message["type"] == "connection_error", message
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  errors { code } } }"""
UPDATES = """subscription { events(types: ["customer.updated"]) {
  id ... on CustomerUpdated { fields customer { name phone } } } }"""


async def test_each_event_loads_the_customer_fresh_and_masked(
    server: str,  # noqa: F811
    settings: Settings,
    sockets: list[Any],  # noqa: F811
) -> None:
    brand = await make_brand()
    writer = await app_token(settings, brand, "customers:write pii:read")
    reader = await app_token(settings, brand, "events:read customers:read")
    body = await mutate(server, writer, CREATE, {"input": {"name": "Zhao", "phone": "13700137000"}})
    customer = body["data"]["createCustomer"]["customer"]["id"]
    ws = await opened(server, reader, sockets)
    await subscribe(ws, "u", UPDATES, {})
    for name in ("Zhao Lei", "Zhao Min"):
        await mutate(server, writer, UPDATE, {"input": {"id": customer, "name": name}})
        event = await data(ws, "events")
        assert event["fields"] == ["name"]
        assert event["customer"]["name"] == name  # not a value cached by the first event
        assert event["customer"]["phone"] not in (None, "+8613700137000")  # masked
