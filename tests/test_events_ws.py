"""Live events over real websockets against a real uvicorn (subprocess)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets

from config import Settings
from tests.support import app_token, make_brand

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256-0123456789"
CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code } } }"""
EVENTS = """subscription($after: ID) { events(after: $after) {
  __typename id type customerId ... on CustomerCreated { customer { name phone } } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    database_url: str, redis_url: str | None, prefix: str, **extra_env: str
) -> tuple[Any, str]:
    port = free_port()
    env = {
        **os.environ,
        "CRM_DATABASE_URL": database_url,
        "CRM_JWT_SECRET": JWT_SECRET,
        "CRM_REDIS_PREFIX": prefix,
        "CRM_EVENTS_POLL_SECONDS": "0.2",
        "CRM_WEBHOOK_ALLOW_PRIVATE": "true",
        "CRM_JWT_LEEWAY_SECONDS": "0",
        "CRM_WEBHOOK_RETRY_BASE_SECONDS": "0.2",
    }
    env.update(extra_env)
    env.pop("CRM_REDIS_URL", None)
    if redis_url:
        env["CRM_REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://{base}/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("uvicorn did not start")


def stop_server(process: Any) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    process, base = start_server(database_url, None, f"crmtest{os.getpid()}")
    yield base
    stop_server(process)


async def mutate(base: str, token: str, query: str, variables: dict[str, Any]) -> Any:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://{base}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": f"Bearer {token}"},
        )
    return response.json()


async def create(base: str, token: str, name: str) -> str:
    body = await mutate(base, token, CREATE, {"input": {"name": name, "phone": "13800138000"}})
    assert body["data"]["createCustomer"]["errors"] == [], body
    return str(body["data"]["createCustomer"]["customer"]["id"])


class WS:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def recv(self, timeout: float = 10) -> dict[str, Any]:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(self.conn.recv(), timeout))
        return message


async def connect(base: str, token: str, protocol: str = "graphql-transport-ws") -> WS:
    conn = await websockets.connect(f"ws://{base}/graphql", subprotocols=[protocol])  # type: ignore[list-item]
    ws = WS(conn)
    await conn.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    return ws


@pytest.fixture
async def sockets() -> AsyncIterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for conn in opened:
        await conn.close()


async def test_subscribe_then_mutation_delivers_the_event(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    ws = await connect(server, token)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    await ws.conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
    await asyncio.sleep(0.3)
    customer_id = await create(server, token, "Li Wei")
    message = await ws.recv()
    assert message["type"] == "next", message
    event = message["payload"]["data"]["events"]
    assert event["__typename"] == "CustomerCreated"
    assert event["type"] == "customer.created"
    assert event["customerId"] == customer_id
    assert event["customer"]["name"] == "Li Wei"
    assert event["customer"]["phone"] != "+8613800138000"  # masked without pii:read


async def test_subscribers_with_other_scopes_get_their_own_results(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    brand = await make_brand()
    writer = await app_token(settings, brand, "customers:write")
    tokens = [
        await app_token(settings, brand, "events:read customers:read pii:read"),
        await app_token(settings, brand, "events:read customers:read"),
        await app_token(settings, brand, "events:read customers:read pii:read"),
    ]
    connections = [await connect(server, token) for token in tokens]
    for ws in connections:
        sockets.append(ws.conn)
        assert (await ws.recv())["type"] == "connection_ack"
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}
        await ws.conn.send(json.dumps(subscribe))
    await asyncio.sleep(0.3)
    await create(server, writer, "Zhang San")
    phones = [
        (await ws.recv())["payload"]["data"]["events"]["customer"]["phone"] for ws in connections
    ]
    assert phones[0] == phones[2] == "+8613800138000"
    assert phones[1] != "+8613800138000"  # the same event, masked for the token without pii:read


async def test_resume_with_after_gets_missed_events_once(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand, "events:read customers:write pii:read")
    for i in range(3):
        body = await mutate(server, token, CREATE, {"input": {"name": f"C{i}"}})
        assert body["data"]["createCustomer"]["errors"] == []
    ws = await connect(server, token)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    payload = {"query": EVENTS, "variables": {"after": "1"}}
    await ws.conn.send(json.dumps({"id": "r", "type": "subscribe", "payload": payload}))
    ids = [(await ws.recv())["payload"]["data"]["events"]["id"] for _ in range(2)]
    assert ids == ["2", "3"]
    await mutate(server, token, CREATE, {"input": {"name": "C3"}})
    assert (await ws.recv())["payload"]["data"]["events"]["id"] == "4"
    with pytest.raises(TimeoutError):
        await ws.recv(timeout=1.0)  # no duplicate


async def test_other_brand_and_missing_scope_see_nothing(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    writer = await app_token(settings, await make_brand("brand-a"), "customers:write")
    other = await app_token(settings, await make_brand("brand-b"), "events:read customers:read")
    ws = await connect(server, other)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    await ws.conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
    await create(server, writer, "Secret")
    with pytest.raises(TimeoutError):
        await ws.recv(timeout=1.5)


async def test_bad_token_closes_with_4403(server: str, sockets: list[Any]) -> None:
    ws = await connect(server, "not-a-token")
    sockets.append(ws.conn)
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await ws.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


async def test_expiring_token_ends_the_subscription(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    from services.brands import brands
    from tests.support import mint

    brand = await make_brand()
    created = await brands.create_app(brand, "short", ["events:read", "customers:read"])
    token = mint(settings, created.app.id, brand.slug, "events:read customers:read", ttl=2)
    ws = await connect(server, token)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    await ws.conn.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
    message = await ws.recv(timeout=10)
    assert message["type"] in ("next", "error"), message
    text = json.dumps(message)
    assert "expired" in text


async def test_legacy_graphql_ws_protocol(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    ws = await connect(server, token, protocol="graphql-ws")
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    await ws.conn.send(json.dumps({"id": "1", "type": "start", "payload": {"query": EVENTS}}))
    await asyncio.sleep(0.3)
    await create(server, token, "Legacy")
    message = await ws.recv()
    while message["type"] == "ka":
        message = await ws.recv()
    assert message["type"] == "data", message
    assert message["payload"]["data"]["events"]["type"] == "customer.created"


async def test_dashboard_first_value_then_update(
    server: str, settings: Settings, sockets: list[Any]
) -> None:
    token = await app_token(settings, await make_brand(), "analytics:read customers:write")
    ws = await connect(server, token)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    query = "subscription { dashboard { newMembersToday openTickets } }"
    await ws.conn.send(json.dumps({"id": "d", "type": "subscribe", "payload": {"query": query}}))
    first = await ws.recv()
    assert first["payload"]["data"]["dashboard"]["newMembersToday"] == 0, first
    await create(server, token, "New")
    second = await ws.recv()
    assert second["payload"]["data"]["dashboard"]["newMembersToday"] == 1, second
