"""Every websocket message is a text frame, on both subprotocols (browsers and the graphql-ws
client read text; `websockets` here accepts both, so the frame type itself is asserted)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets

from config import Settings
from tests.support import app_token, make_brand
from tests.test_events_ws import EVENTS, create, server  # noqa: F401


async def frames(conn: Any, count: int, timeout: float = 10) -> list[str | bytes]:
    return [await asyncio.wait_for(conn.recv(), timeout) for _ in range(count)]


def assert_text(received: list[str | bytes]) -> list[dict[str, Any]]:
    binary = [frame for frame in received if not isinstance(frame, str)]
    assert binary == [], f"binary frames sent: {binary!r}"
    return [json.loads(frame) for frame in received]


async def test_graphql_transport_ws_sends_only_text_frames(server: str, settings: Settings) -> None:  # noqa: F811
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    async with websockets.connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as conn:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await conn.send(json.dumps(init))
        (ack,) = assert_text(await frames(conn, 1))
        assert ack["type"] == "connection_ack"
        await conn.send(json.dumps({"type": "ping"}))
        (pong,) = assert_text(await frames(conn, 1))
        assert pong["type"] == "pong"
        await conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        await asyncio.sleep(0.3)
        await create(server, token, "Text Frame")
        (event,) = assert_text(await frames(conn, 1))
        assert event["type"] == "next"
        assert event["payload"]["data"]["events"]["type"] == "customer.created"
        bad = {"id": "2", "type": "subscribe", "payload": {"query": "subscription { nope }"}}
        await conn.send(json.dumps(bad))
        (error,) = assert_text(await frames(conn, 1))
        assert error["type"] == "error" and error["id"] == "2"
        await conn.send(json.dumps({"id": "1", "type": "complete"}))


async def test_legacy_graphql_ws_sends_only_text_frames(server: str, settings: Settings) -> None:  # noqa: F811
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    async with websockets.connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-ws"],  # type: ignore[list-item]
    ) as conn:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await conn.send(json.dumps(init))
        (ack,) = assert_text(await frames(conn, 1))
        assert ack["type"] == "connection_ack"
        await conn.send(json.dumps({"id": "1", "type": "start", "payload": {"query": EVENTS}}))
        await asyncio.sleep(0.3)
        await create(server, token, "Legacy Text")
        (data,) = assert_text(await frames(conn, 1))
        assert data["type"] == "data"
        await conn.send(json.dumps({"id": "1", "type": "stop"}))
        (complete,) = assert_text(await frames(conn, 1))
        assert complete["type"] == "complete"


async def test_refusal_is_a_text_frame_on_the_legacy_protocol(server: str) -> None:  # noqa: F811
    async with websockets.connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-ws"],  # type: ignore[list-item]
    ) as conn:
        init = {"type": "connection_init", "payload": {"authorization": "Bearer nonsense"}}
        await conn.send(json.dumps(init))
        (refusal,) = assert_text(await frames(conn, 1))
        assert refusal["type"] == "connection_error"
