"""Live: `appointmentChanged` for a store's board over a real websocket, and the reminders
reaching a partner's webhook (a real HTTP receiver) as `appointment.reminder_due`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from models.appointments import Appointment
from services.appointments.reminders import remind_all
from tests.booking_helpers import (
    CREATE_STORE,
    book,
    iso,
    local,
    next_weekday,
    ok,
    pk,
    salon,
)
from tests.support import GraphQL
from tests.test_events_ws import connect, free_port, mutate, server, sockets  # noqa: F401

BOARD = """subscription($s: ID!) { appointmentChanged(storeId: $s) {
  __typename type appointmentId storeId staffId status startsAt } }"""
HOOK = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  webhook { id } errors { field code message } } }"""
SECRET = "partner-secret-0123456789"


@pytest.fixture
async def remote(server: str) -> AsyncIterator[GraphQL]:  # noqa: F811
    """The API of the server under test (no in-process app: its webhook workers, which refuse
    local URLs, would compete for the deliveries)."""
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=20) as client:
        yield GraphQL(client)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[list[dict[str, Any]], str]]:
    seen: list[dict[str, Any]] = []

    async def handle(request: Request) -> Response:
        seen.append(json.loads(await request.body()))
        return Response("ok")

    port = free_port()
    app = Starlette(routes=[Route("/hook", handle, methods=["POST"])])
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    task = asyncio.create_task(srv.serve())
    for _ in range(100):
        if srv.started:
            break
        await asyncio.sleep(0.05)
    yield seen, f"http://127.0.0.1:{port}/hook"
    srv.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


async def test_the_store_board_and_the_reminder_webhook(
    server: str,  # noqa: F811
    remote: GraphQL,
    settings: Settings,
    sockets: list[Any],  # noqa: F811
    receiver: tuple[list[dict[str, Any]], str],
) -> None:
    s = await salon(remote, settings, slug="live", policy={"reminderHours": 24})
    elsewhere = await ok(remote, CREATE_STORE, {"code": "LDN-2", "name": "Camden"}, s.token)
    seen, url = receiver
    hook = {"url": url, "eventTypes": ["appointment.reminder_due"], "secret": SECRET}
    created = await mutate(server, s.token, HOOK, {"input": hook})
    assert created["data"]["createWebhook"]["errors"] == [], created
    ws = await connect(server, s.token)
    sockets.append(ws.conn)
    assert (await ws.recv())["type"] == "connection_ack"
    payload = {"query": BOARD, "variables": {"s": s.store}}
    await ws.conn.send(json.dumps({"id": "b", "type": "subscribe", "payload": payload}))
    await asyncio.sleep(0.3)
    # another store's change is not on this board
    await ok(
        remote,
        "mutation($input: UpdateStoreInput!) { updateStore(input: $input) { errors { code } } }",
        {"id": elsewhere["store"]["id"], "name": "Camden Town"},
        s.token,
    )
    day = next_weekday(2)
    booked = (await book(remote, s, local(day, 10)))["appointment"]
    message = await ws.recv()
    assert message["type"] == "next", message
    event = message["payload"]["data"]["appointmentChanged"]
    assert event == {
        "__typename": "AppointmentEvent",
        "type": "appointment.booked",
        "appointmentId": booked["id"],
        "storeId": s.store,
        "staffId": s.stylist,
        "status": "BOOKED",
        "startsAt": local(day, 10).astimezone(UTC).isoformat(),
    }
    # the reminder: due within 24 hours, emitted once, on the board and at the webhook
    row = await Appointment.get(id=pk(booked["id"], "Appointment"))
    start = datetime.now(UTC) + timedelta(hours=3)
    row.starts_at, row.ends_at, row.blocks_until = (
        start,
        start + timedelta(hours=1),
        start + timedelta(hours=1),
    )
    await row.save()
    assert (await remind_all(datetime.now(UTC)))["live"] == 1
    assert (await remind_all(datetime.now(UTC)))["live"] == 0
    message = await ws.recv()
    assert message["payload"]["data"]["appointmentChanged"]["type"] == "appointment.reminder_due"
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert [m["type"] for m in seen] == ["appointment.reminder_due"]
    assert iso(start)
