"""Signed webhooks: a local receiver that fails first, then recovers, gets each event once."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from events.webhooks import RefusedURL, check_url, sign
from tests.support import app_token, make_brand
from tests.test_events_ws import create, free_port, mutate, server  # noqa: F401

SECRET = "partner-secret-0123456789"
CREATE_HOOK = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  webhook { id url eventTypes } errors { field code message } } }"""
LIST = """{ webhooks { id isActive recentDeliveries { messageId status attempts lastError
  responseMs } } }"""


class Receiver:
    def __init__(self, fail_first: int) -> None:
        self.fail_first = fail_first
        self.calls = 0
        self.seen: dict[str, dict[str, Any]] = {}

    async def handle(self, request: Request) -> Response:
        self.calls += 1
        body = (await request.body()).decode()
        msg_id = request.headers["webhook-id"]
        timestamp = request.headers["webhook-timestamp"]
        expected = hmac.new(
            SECRET.encode(), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256
        ).digest()
        assert request.headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
        if self.calls <= self.fail_first:
            return Response("not yet", status_code=503)
        self.seen.setdefault(msg_id, {"body": body})  # de-duplicate by webhook-id
        return Response("ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    recv = Receiver(fail_first=2)
    port = free_port()
    app = Starlette(routes=[Route("/hook", recv.handle, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    for _ in range(100):
        if srv.started:
            break
        await asyncio.sleep(0.05)
    yield recv, f"http://127.0.0.1:{port}/hook"
    srv.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


def test_signature_matches_standard_webhooks() -> None:
    expected = hmac.new(b"k" * 16, b"msg_1.10.{}", hashlib.sha256).digest()
    assert sign("k" * 16, "msg_1", 10, "{}") == "v1," + base64.b64encode(expected).decode()


async def test_private_urls_are_refused_unless_allowed() -> None:
    for url in ("http://127.0.0.1/x", "http://10.0.0.1/x", "http://[::1]/x", "ftp://a.b/"):
        with pytest.raises(RefusedURL):
            await check_url(url, allow_private=False)
    await check_url("http://127.0.0.1/x", allow_private=True)


async def test_failing_receiver_gets_each_event_once_after_recovering(
    server: str,  # noqa: F811
    settings: Settings,
    receiver: tuple[Receiver, str],
) -> None:
    recv, url = receiver
    token = await app_token(settings, await make_brand(), "events:write customers:write")
    body = await mutate(
        server,
        token,
        CREATE_HOOK,
        {"input": {"url": url, "eventTypes": ["customer.created"], "secret": SECRET}},
    )
    assert body["data"]["createWebhook"]["errors"] == [], body
    await create(server, token, "Hooked")
    for _ in range(200):
        if recv.seen:
            break
        await asyncio.sleep(0.05)
    assert len(recv.seen) == 1
    assert recv.calls == 3  # two failures, then success
    listing = (await mutate(server, token, LIST, {}))["data"]["webhooks"]
    delivery = listing[0]["recentDeliveries"][0]
    assert delivery["status"] == "SUCCEEDED" and delivery["attempts"] == 3
    assert listing[0]["isActive"] is True


async def test_create_webhook_needs_events_write(server: str, settings: Settings) -> None:  # noqa: F811
    token = await app_token(settings, await make_brand(), "events:read")
    body = await mutate(
        server,
        token,
        CREATE_HOOK,
        {"input": {"url": "http://127.0.0.1:1/x", "eventTypes": [], "secret": SECRET}},
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
