"""Faults degrade, they do not crash (issue 25, section 6). Each Redis test starts its own
redis-server on a free port and pauses it (SIGSTOP) or stops it; the shared one is never
touched. The PostgreSQL test kills the server's connections mid-load (pg_terminate_backend)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
import websockets

from config import Settings
from engine.persisted_queries import RedisQueryStore, sha256_hex
from engine.ratelimit import RedisRateLimiter
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.support import app_token, make_brand
from tests.test_events_ws import EVENTS, create, free_port, start_server, stop_server

needs_redis_server = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is not installed"
)
VIEWER = "{ viewer { kind } }"
LOGIN = """mutation { login(input: {brand: "acme", email: "x@acme.example", password: "nope"}) {
  token errors { code } } }"""


class OwnRedis:
    """A redis-server of the test's own, on a free port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"redis://127.0.0.1:{self.port}/0"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    redis = OwnRedis()
    yield redis
    redis.stop()


@pytest.fixture
def redis_worker(own_redis: OwnRedis, database_url: str) -> Iterator[str]:
    process, base = start_server(database_url, own_redis.url, f"crmfaults{os.getpid()}")
    yield base
    stop_server(process)


async def post(
    client: httpx.AsyncClient, base: str, body: dict[str, Any], token: str | None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await client.post(f"http://{base}/graphql", json=body, headers=headers)


def assert_degraded_not_crashed(response: httpx.Response) -> None:
    """A JSON answer: 200, 429 or a typed 503 with Retry-After; never a 500."""
    assert response.status_code in (200, 429, 503), (response.status_code, response.text)
    body = response.json()
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
    assert "INTERNAL_SERVER_ERROR" not in codes, body
    if response.status_code == 503:
        assert codes and set(codes) == {"SERVICE_UNAVAILABLE"}, body
        assert int(response.headers["Retry-After"]) >= 1


@needs_redis_server
async def test_requests_go_on_while_redis_is_paused(
    own_redis: OwnRedis, redis_worker: str, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    query = "{ viewer { kind } }"
    apq = {"version": 1, "sha256Hash": sha256_hex(query)}
    async with httpx.AsyncClient(timeout=30) as client:
        assert (await post(client, redis_worker, {"query": VIEWER}, token)).status_code == 200
        async with websockets.connect(
            f"ws://{redis_worker}/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        ) as conn:
            init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
            await conn.send(json.dumps(init))
            assert json.loads(await conn.recv())["type"] == "connection_ack"
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}
            await conn.send(json.dumps(subscribe))
            await asyncio.sleep(0.3)
            own_redis.pause()
            started = time.monotonic()
            responses = await asyncio.gather(
                *(post(client, redis_worker, {"query": VIEWER}, token) for _ in range(20)),
                *(post(client, redis_worker, {"query": LOGIN}, None) for _ in range(3)),
                post(
                    client,
                    redis_worker,
                    {"query": query, "extensions": {"persistedQuery": apq}},
                    token,
                ),
            )
            for response in responses:
                assert_degraded_not_crashed(response)
            assert all(r.status_code == 200 for r in responses[:20])
            assert time.monotonic() - started < 10
            # An event still reaches this worker's subscriber with the broker's Redis paused.
            await create(redis_worker, token, "While Paused")
            message = json.loads(await asyncio.wait_for(conn.recv(), 15))
            assert message["type"] == "next", message
            assert message["payload"]["data"]["events"]["type"] == "customer.created"
            elapsed = []
            for _ in range(10):  # after the first timeout, requests skip Redis for a while
                before = time.monotonic()
                response = await post(client, redis_worker, {"query": VIEWER}, token)
                elapsed.append(time.monotonic() - before)
                assert response.status_code == 200
            assert sorted(elapsed)[5] < 0.4, elapsed
            own_redis.resume()
        await asyncio.sleep(0.5)
        assert (await post(client, redis_worker, {"query": VIEWER}, token)).status_code == 200


@needs_redis_server
async def test_the_server_starts_and_serves_with_redis_unreachable(
    database_url: str, settings: Settings
) -> None:
    nowhere = f"redis://127.0.0.1:{free_port()}/0"
    process, base = start_server(database_url, nowhere, f"crmnowhere{os.getpid()}")
    try:
        token = await app_token(settings, await make_brand(), "customers:write")
        async with httpx.AsyncClient(timeout=30) as client:
            for body in ({"query": VIEWER}, {"query": LOGIN}):
                response = await post(client, base, body, token)
                assert_degraded_not_crashed(response)
                assert response.status_code == 200
        await create(base, token, "No Redis")
    finally:
        stop_server(process)


@needs_redis_server
async def test_the_rate_limit_goes_on_per_process_while_redis_is_paused(
    own_redis: OwnRedis,
) -> None:
    limiter = RedisRateLimiter(own_redis.url, "crmfaults", rate=1.0, burst=5.0)
    store = RedisQueryStore(own_redis.url, "crmfaults")
    try:
        assert (await limiter.take("k", 1)).allowed
        own_redis.pause()
        started = time.monotonic()
        decisions = [await limiter.take("k", 1) for _ in range(8)]
        assert time.monotonic() - started < 2  # one short timeout, then the local bucket
        assert [d.allowed for d in decisions] == [True] * 5 + [False] * 3
        assert decisions[-1].retry_after > 0
        await store.put("public", "abc", "{ viewer { kind } }")
        assert await store.get("public", "abc") == "{ viewer { kind } }"
    finally:
        own_redis.resume()
        await limiter.close()
        await store.close()


@pytest.mark.skipif(not ON_POSTGRES, reason="pg_terminate_backend needs CRM_TEST_DATABASE_URL")
async def test_killed_database_connections_answer_typed_or_retry(
    database_url: str, settings: Settings
) -> None:
    name = f"crmpgkill{os.getpid()}"  # the server's connections, and only those, are killed
    process, base = start_server(f"{database_url}?application_name={name}", None, name)
    try:
        token = await app_token(settings, await make_brand(), "customers:write")
        await create(base, token, "Reader")
        query = {"query": "{ customers(first: 5) { edges { node { id name } } } }"}
        stop = asyncio.Event()
        responses: list[httpx.Response] = []

        async def load(client: httpx.AsyncClient) -> None:
            while not stop.is_set():
                responses.append(await post(client, base, query, token))

        killer = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://"))
        killed = 0
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                workers = [asyncio.create_task(load(client)) for _ in range(6)]
                for _ in range(15):
                    await asyncio.sleep(0.2)
                    killed += await killer.fetchval(
                        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        " WHERE application_name = $1",
                        name,
                    )
                stop.set()
                await asyncio.gather(*workers)
                after = await post(client, base, query, token)
        finally:
            await killer.close()
        assert killed > 0
        for response in responses:
            assert_degraded_not_crashed(response)
        assert after.status_code == 200 and not after.json().get("errors")
        ok = sum(1 for r in responses if r.status_code == 200)
        print(f"pg kill: {killed} killed, {len(responses)} requests, {ok} answered 200")
    finally:
        stop_server(process)
