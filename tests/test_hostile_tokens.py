"""A dead token is dead on open websockets too (issue 25, section 4), against real uvicorn
workers: `revokeToken`, `disableApp` and `crm app disable` close the token's subscriptions with
4403 on both subprotocols and on every worker; tokens issued before a disable stay refused after
the app is enabled again; a token in connection_init wins over the upgrade header's."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import ConnectionClosed

from auth.tokens import issue_token
from config import Settings
from models import App, Brand
from resolvers.ids import to_global_id
from services.brands import brands
from tests.conftest import TEST_REDIS_URL
from tests.support import make_brand
from tests.test_events_ws import EVENTS, JWT_SECRET, mutate, start_server, stop_server

PROTOCOLS = ("graphql-transport-ws", "graphql-ws")
REVOKE = "mutation($jti: String!) { revokeToken(input: {jti: $jti}) { errors { code } } }"
DISABLE = "mutation($id: ID!) { disableApp(appId: $id) { app { isActive } errors { code } } }"
ENABLE = "mutation($id: ID!) { enableApp(appId: $id) { app { isActive } errors { code } } }"
VIEWER = "{ viewer { kind } }"


@pytest.fixture(scope="module")
def workers(database_url: str) -> Iterator[list[str]]:
    """Two workers on one database (and one Redis when configured); a long periodic re-check,
    so a prompt close proves the broker's notice."""
    prefix = f"crmtokens{os.getpid()}"
    started = [
        start_server(database_url, TEST_REDIS_URL, prefix, CRM_WS_TOKEN_RECHECK_SECONDS="60")
        for _ in range(2 if TEST_REDIS_URL else 1)
    ]
    yield [base for _, base in started]
    for process, _ in started:
        stop_server(process)


@pytest.fixture(scope="module")
def rechecking(database_url: str) -> Iterator[str]:
    """A worker that hears no notice from the CLI (no Redis): its periodic re-check acts."""
    process, base = start_server(
        database_url, None, f"crmrecheck{os.getpid()}", CRM_WS_TOKEN_RECHECK_SECONDS="0.5"
    )
    yield base
    stop_server(process)


@pytest.fixture
async def sockets() -> AsyncIterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for conn in opened:
        await conn.close()


async def partner(settings: Settings, brand: Brand, scopes: str) -> tuple[App, str, str]:
    """An app and a token for it: (app, token, jti)."""
    created = await brands.create_app(brand, f"app {scopes}", scopes.split())
    issued = issue_token(
        settings, "app", created.app.id, brand.slug, frozenset(scopes.split()), 600
    )
    return created.app, issued.token, issued.jti


async def subscribe(
    base: str,
    protocol: str,
    init_token: str | None,
    sockets: list[Any],
    header_token: str | None = None,
) -> Any:
    headers = {"Authorization": f"Bearer {header_token}"} if header_token else None
    conn = await websockets.connect(
        f"ws://{base}/graphql",
        subprotocols=[protocol],  # type: ignore[list-item]
        additional_headers=headers,
    )
    sockets.append(conn)
    payload = {"authorization": f"Bearer {init_token}"} if init_token else {}
    await conn.send(json.dumps({"type": "connection_init", "payload": payload}))
    return conn


async def acknowledged(conn: Any, protocol: str) -> None:
    ack = json.loads(await asyncio.wait_for(conn.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    await conn.send(json.dumps({"id": "1", "type": start, "payload": {"query": EVENTS}}))


async def close_code(conn: Any, within: float) -> int:
    """The close code the server sends within the time (frames before it are skipped)."""
    deadline = time.monotonic() + within
    try:
        while True:
            await asyncio.wait_for(conn.recv(), max(deadline - time.monotonic(), 0.01))
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return int(closed.rcvd.code)
    except TimeoutError:
        return 0  # still open


async def http_codes(base: str, token: str) -> list[str | None]:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(
            f"http://{base}/graphql",
            json={"query": VIEWER},
            headers={"Authorization": f"Bearer {token}"},
        )
    return [e.get("extensions", {}).get("code") for e in response.json().get("errors") or []]


async def test_revoking_a_token_closes_its_sockets_on_every_worker(
    workers: list[str], settings: Settings, sockets: list[Any]
) -> None:
    brand = await make_brand()
    _, admin, _ = await partner(settings, brand, "admin")
    _, token, jti = await partner(settings, brand, "events:read")
    _, other, _ = await partner(settings, brand, "events:read")
    doomed = []
    for base in workers:
        for protocol in PROTOCOLS:
            doomed.append(conn := await subscribe(base, protocol, token, sockets))
            await acknowledged(conn, protocol)
    survivor = await subscribe(workers[-1], PROTOCOLS[0], other, sockets)
    await acknowledged(survivor, PROTOCOLS[0])
    await asyncio.sleep(0.3)
    started = time.monotonic()
    body = await mutate(workers[0], admin, REVOKE, {"jti": jti})
    assert body["data"]["revokeToken"]["errors"] == []
    codes = [await close_code(conn, 5) for conn in doomed]
    assert codes == [4403] * len(doomed)
    assert time.monotonic() - started < 5
    assert await close_code(survivor, 0.5) == 0  # another token of the brand stays open
    assert await http_codes(workers[-1], token) == ["UNAUTHENTICATED"]


async def test_disable_closes_sockets_and_enable_does_not_revive_old_tokens(
    workers: list[str], settings: Settings, sockets: list[Any]
) -> None:
    brand = await make_brand()
    _, admin, _ = await partner(settings, brand, "admin")
    app, token, _ = await partner(settings, brand, "events:read customers:read")
    app_id = to_global_id("PartnerApp", app.id)
    doomed = []
    for protocol in PROTOCOLS:
        doomed.append(conn := await subscribe(workers[-1], protocol, token, sockets))
        await acknowledged(conn, protocol)
    await asyncio.sleep(0.3)
    body = await mutate(workers[0], admin, DISABLE, {"id": app_id})
    assert body["data"]["disableApp"] == {"app": {"isActive": False}, "errors": []}
    assert [await close_code(conn, 5) for conn in doomed] == [4403, 4403]
    body = await mutate(workers[0], admin, ENABLE, {"id": app_id})
    assert body["data"]["enableApp"] == {"app": {"isActive": True}, "errors": []}
    assert await http_codes(workers[0], token) == ["UNAUTHENTICATED"]
    refused = await subscribe(workers[0], PROTOCOLS[0], token, sockets)
    assert await close_code(refused, 5) == 4403
    fresh = await App.get(id=app.id)  # a token issued after the enable works
    assert fresh.token_generation == 1
    new = issue_token(
        settings, "app", app.id, brand.slug, frozenset({"customers:read"}), 600, 1
    ).token
    assert await http_codes(workers[0], new) == []


async def test_cli_disable_closes_sockets_and_enable_keeps_old_tokens_dead(
    rechecking: str, database_url: str, settings: Settings, sockets: list[Any]
) -> None:
    brand = await make_brand()
    app, token, _ = await partner(settings, brand, "events:read")
    conns = []
    for protocol in PROTOCOLS:
        conns.append(conn := await subscribe(rechecking, protocol, token, sockets))
        await acknowledged(conn, protocol)
    env = {**os.environ, "CRM_DATABASE_URL": database_url, "CRM_JWT_SECRET": JWT_SECRET}
    env.pop("CRM_REDIS_URL", None)
    crm = [sys.executable, "-m", "cli.main", "app"]
    disabled = subprocess.run([*crm, "disable", app.client_id], env=env, capture_output=True)
    assert disabled.returncode == 0, disabled.stderr
    assert [await close_code(conn, 5) for conn in conns] == [4403, 4403]
    enabled = subprocess.run([*crm, "enable", app.client_id], env=env, capture_output=True)
    assert enabled.returncode == 0, enabled.stderr
    assert await http_codes(rechecking, token) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_bad_connection_init_token_wins_over_a_good_header(
    workers: list[str], settings: Settings, sockets: list[Any], protocol: str
) -> None:
    brand = await make_brand()
    _, token, _ = await partner(settings, brand, "events:read")
    bad = await subscribe(workers[0], protocol, "forged.token.value", sockets, header_token=token)
    assert await close_code(bad, 5) == 4403
    not_bearer = await websockets.connect(
        f"ws://{workers[0]}/graphql",
        subprotocols=[protocol],  # type: ignore[list-item]
        additional_headers={"Authorization": f"Bearer {token}"},
    )
    sockets.append(not_bearer)
    init = {"type": "connection_init", "payload": {"authorization": "Basic abc"}}
    await not_bearer.send(json.dumps(init))
    assert await close_code(not_bearer, 5) == 4403
    good_init = await subscribe(workers[0], protocol, token, sockets, header_token="forged")
    await acknowledged(good_init, protocol)
    header_only = await subscribe(workers[0], protocol, None, sockets, header_token=token)
    await acknowledged(header_only, protocol)
