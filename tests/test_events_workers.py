"""Two uvicorn workers sharing Redis: an event committed on one reaches the other's subscriber."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest

from config import Settings
from tests.conftest import TEST_REDIS_URL
from tests.support import app_token, make_brand
from tests.test_events_ws import EVENTS, connect, create, start_server, stop_server

pytestmark = pytest.mark.skipif(TEST_REDIS_URL is None, reason="needs CRM_TEST_REDIS_URL")


@pytest.fixture(scope="module")
def two_workers(database_url: str) -> Iterator[tuple[str, str]]:
    prefix = f"crmtest-{uuid.uuid4().hex[:12]}"
    first, base_a = start_server(database_url, TEST_REDIS_URL, prefix)
    try:
        # Worker B runs no relay and re-reads the outbox only every minute: within the test's
        # timeout, an event committed on A can reach B's subscriber only through Redis.
        second, base_b = start_server(
            database_url,
            TEST_REDIS_URL,
            prefix,
            CRM_EVENTS_RELAY="false",
            CRM_EVENTS_RECHECK_SECONDS="60",
        )
    except Exception:
        stop_server(first)
        raise
    yield base_a, base_b
    stop_server(first)
    stop_server(second)


async def test_event_crosses_workers(two_workers: tuple[str, str], settings: Settings) -> None:
    base_a, base_b = two_workers
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    ws = await connect(base_b, token)
    try:
        assert (await ws.recv())["type"] == "connection_ack"
        await ws.conn.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}})
        )
        await asyncio.sleep(0.3)
        customer_id = await create(base_a, token, "Across")
        message = await ws.recv(timeout=20)
        event = message["payload"]["data"]["events"]
        assert event["type"] == "customer.created"
        assert event["customerId"] == customer_id
        with pytest.raises(TimeoutError):
            await ws.recv(timeout=1.0)
    finally:
        await ws.conn.close()
