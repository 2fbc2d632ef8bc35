"""Webhook delivery against a real local receiver: exactly once after recovery, disabling, URLs.

The delivery tests drive the relay and the dispatcher themselves (no app, so no background
dispatcher competes for the deliveries).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from events.broker import Broker
from events.relay import Relay
from events.webhooks import Dispatcher
from models.events import Webhook, WebhookDelivery
from services.common.actor import Actor
from services.customers import customers
from services.webhooks import webhooks
from tests.support import GraphQL, app_token, make_brand
from tests.test_events_ws import free_port

SECRET = "partner-secret-0123456789"
CREATE_HOOK = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  webhook { id } errors { field code message } } }"""


def system_actor(brand_id: int) -> Actor:
    return Actor(brand_id, "system", "test", "test")


class FlakyReceiver:
    """Answers 503 to its first `fail_first` calls, then 200; counts successes per webhook-id."""

    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.accepted: Counter[str] = Counter()

    async def handle(self, request: Request) -> Response:
        self.calls += 1
        if self.calls <= self.fail_first:
            return Response("not yet", status_code=503)
        self.accepted[request.headers["webhook-id"]] += 1
        return Response("ok")


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[FlakyReceiver], Any]]:
    servers: list[tuple[uvicorn.Server, asyncio.Task[None]]] = []

    async def start(recv: FlakyReceiver) -> str:
        port = free_port()
        app = Starlette(routes=[Route("/hook", recv.handle, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        servers.append((server, task))
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.02)
        return f"http://127.0.0.1:{port}/hook"

    yield start
    for server, task in servers:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def _pump(settings: Settings, rounds: int) -> Dispatcher:
    """Relay the outbox, then run the dispatcher's rounds (retry delay 0: each round retries)."""
    relay = Relay(settings, Broker())
    while await relay.relay_once():
        pass
    dispatcher = Dispatcher(settings)
    try:
        for _ in range(rounds):
            await dispatcher.deliver_due()
    finally:
        await dispatcher.close()
    return dispatcher


def _quick(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, webhook_allow_private=True, webhook_retry_base_seconds=0.0, **changes)


async def test_each_event_is_accepted_exactly_once_after_the_receiver_recovers(
    settings: Settings, serve: Callable[[FlakyReceiver], Any]
) -> None:
    brand = await make_brand()
    recv = FlakyReceiver(fail_first=4)
    url = await serve(recv)
    quick = _quick(settings)
    await webhooks.create_webhook(
        system_actor(brand.id),
        {"url": url, "event_types": ["customer.created"], "secret": SECRET},
        allow_private=True,
    )
    for i in range(3):
        await customers.create_customer(system_actor(brand.id), brand, {"name": f"Hooked {i}"})
    await _pump(quick, rounds=6)
    # three events, four failed calls spread over them, then one success each
    assert sorted(recv.accepted.values()) == [1, 1, 1]
    statuses = await WebhookDelivery.all().values_list("status", flat=True)
    assert list(statuses) == ["SUCCEEDED"] * 3
    assert (await Webhook.get(brand_id=brand.id)).consecutive_failures == 0


async def test_a_webhook_that_keeps_failing_is_disabled(
    settings: Settings, serve: Callable[[FlakyReceiver], Any]
) -> None:
    brand = await make_brand()
    recv = FlakyReceiver(fail_first=10_000)
    url = await serve(recv)
    quick = _quick(settings, webhook_disable_after=3, webhook_max_attempts=10)
    hook = await webhooks.create_webhook(
        system_actor(brand.id),
        {"url": url, "event_types": [], "secret": SECRET},
        allow_private=True,
    )
    await customers.create_customer(system_actor(brand.id), brand, {"name": "Never delivered"})
    await _pump(quick, rounds=6)
    hook = await Webhook.get(id=hook.id)
    assert not hook.is_active
    assert hook.disabled_reason and "3 consecutive failed attempts" in hook.disabled_reason
    assert recv.calls == 3  # nothing more is sent to a disabled webhook
    [delivery] = await WebhookDelivery.filter(webhook_id=hook.id)
    assert delivery.status == "CANCELLED"


async def test_private_and_loopback_urls_are_refused_by_default(
    gql: GraphQL, settings: Settings
) -> None:
    assert not settings.webhook_allow_private
    token = await app_token(settings, await make_brand(), "events:write")
    for url in ("http://127.0.0.1:8080/x", "http://192.168.1.10/x", "http://[::1]/x"):
        values = {"url": url, "eventTypes": ["customer.created"], "secret": SECRET}
        payload = (await gql.data(CREATE_HOOK, {"input": values}, token))["createWebhook"]
        assert payload["webhook"] is None
        assert [e["field"] for e in payload["errors"]] == ["url"]
    assert await Webhook.all().count() == 0


def test_the_documented_verification_sample_accepts_our_signatures() -> None:
    import re
    import time
    from pathlib import Path

    from events.webhooks import sign

    doc = (Path(__file__).resolve().parent.parent / "docs" / "realtime.md").read_text()
    [sample] = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    namespace: dict[str, Any] = {}
    exec(compile(sample, "docs/realtime.md", "exec"), namespace)
    verify = namespace["verify"]
    body = '{"type":"customer.created","data":{"id":"7"}}'
    for secret in (SECRET, "whsec_" + "c2VjcmV0LWJ5dGVzLTAxMjM0NTY3ODk="):
        now = int(time.time())
        headers = {
            "webhook-id": "msg_1_7",
            "webhook-timestamp": str(now),
            "webhook-signature": sign(secret, "msg_1_7", now, body),
        }
        assert verify(secret, headers, body.encode())
        assert not verify(secret, headers, body.replace("7", "8").encode())
        stale = {**headers, "webhook-timestamp": str(now - 3600)}
        stale["webhook-signature"] = sign(secret, "msg_1_7", now - 3600, body)
        assert not verify(secret, stale, body.encode())
