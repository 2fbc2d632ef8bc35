"""Refusals cost the abuser time, not the worker CPU (issue 25, docs/api-conventions.md): a 429
is sent after min(Retry-After, CRM_REFUSAL_DELAY_MS), unchanged, and past
CRM_REFUSAL_DELAY_SLOTS held answers at once; a held-back caller's websocket `subscribe` is
refused like its HTTP requests; another caller's cheap query is answered meanwhile."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import websockets
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from config import Settings
from engine.tarpit import RefusalTarpit
from server import create_app
from services.brands import brands
from tests.conftest import TEST_REDIS_URL
from tests.support import app_token, error_codes, make_brand
from tests.test_credential_throttle import EMAIL, login, owner
from tests.test_events_ws import start_server, stop_server
from tests.test_hostile_documents import asgi_websocket, bomb

DELAY = 1.0  # seconds a 429 is held in these tests (the default)
SLOTS = 3
QUICK = DELAY / 2  # an answer sent at once, on a machine other test runs share


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    slow = dataclasses.replace(
        settings, refusal_delay_ms=int(DELAY * 1000), refusal_delay_slots=SLOTS
    )
    application = create_app(slow, manage_db=False)
    graphql = next(r for r in application.routes if isinstance(r, Route) and r.path == "/graphql")
    throttle = graphql.endpoint.crm_schema.refusals  # type: ignore[attr-defined]
    throttle.per_second = 0.05  # a held-back caller stays so, however slow the machine is
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def hold_back(client: httpx.AsyncClient, headers: dict[str, str] | None = None) -> None:
    """Documents refused by a limit until the caller is held back: 30 in a row, and one more
    for each second they took (the bucket refills at 1 a second)."""
    for i in range(100):
        query = bomb(30).replace("F", f"T{i}x")
        answer = await client.post("/graphql", json={"query": query}, headers=headers)
        if answer.status_code == 429:
            assert i >= 30 and error_codes(answer.json()) == ["RATE_LIMITED"]
            return
        assert error_codes(answer.json()) == ["QUERY_TOO_COMPLEX"], i
    raise AssertionError("never held back")


async def timed_post(client: httpx.AsyncClient, **kwargs: Any) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await client.post("/graphql", **kwargs)
    return time.perf_counter() - started, response


async def test_a_held_back_caller_is_answered_late_with_retry_after_and_the_code(
    client: httpx.AsyncClient,
) -> None:
    await hold_back(client)
    took, held = await timed_post(client, json={"query": "{ not even parsed"})
    assert held.status_code == 429
    assert error_codes(held.json()) == ["RATE_LIMITED"]
    retry_after = int(held.headers["Retry-After"])
    assert retry_after >= 1 and held.json()["errors"][0]["extensions"]["retryAfter"] == retry_after
    assert DELAY * 0.9 <= took < DELAY + 2


async def test_past_the_slots_429s_are_answered_at_once(client: httpx.AsyncClient) -> None:
    await hold_back(client)
    answers = await asyncio.gather(
        *(timed_post(client, json={"query": "{ viewer { kind } }"}) for _ in range(SLOTS + 3))
    )
    assert all(error_codes(r.json()) == ["RATE_LIMITED"] for _, r in answers)
    assert all(r.status_code == 429 for _, r in answers)
    took = sorted(seconds for seconds, _ in answers)
    assert all(seconds < QUICK for seconds in took[:3]), took  # past the slots
    assert all(seconds >= DELAY * 0.9 for seconds in took[3:]), took  # held


async def test_wrong_passwords_past_the_throttle_are_answered_late(
    client: httpx.AsyncClient,
) -> None:
    await owner()
    for attempt in range(5):
        await login(client, f"guess-{attempt}")
    started = time.perf_counter()
    refused = await login(client, "guess-6")
    took = time.perf_counter() - started
    assert refused.status_code == 429 and error_codes(refused.json()) == ["RATE_LIMITED"]
    assert int(refused.headers["Retry-After"]) >= 1
    assert took >= DELAY * 0.9


async def test_wrong_client_secrets_past_the_throttle_are_answered_late(
    client: httpx.AsyncClient,
) -> None:
    created = await brands.create_app(await make_brand("acme"), "POS", ["customers:read"])
    form = {"grant_type": "client_credentials", "client_id": created.app.client_id}
    for attempt in range(5):
        wrong = await client.post("/auth/token", data={**form, "client_secret": f"g{attempt}"})
        assert wrong.status_code == 401
    started = time.perf_counter()
    refused = await client.post("/auth/token", data={**form, "client_secret": "g6"})
    assert time.perf_counter() - started >= DELAY * 0.9
    assert refused.status_code == 429 and refused.json()["code"] == "RATE_LIMITED"
    assert int(refused.headers["Retry-After"]) >= 1


async def test_other_callers_are_answered_at_once_while_an_abuser_waits(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    await hold_back(client)
    token = await app_token(settings, await make_brand())
    cheap = {"Authorization": f"Bearer {token}"}
    held = [timed_post(client, json={"query": "{ viewer { kind } }"}) for _ in range(SLOTS)]
    other = timed_post(client, json={"query": "{ viewer { kind } }"}, headers=cheap)
    answers = await asyncio.gather(*held, other)
    took, answered = answers[-1]
    assert answered.json()["data"] == {"viewer": {"kind": "app"}} and took < QUICK
    assert all(response.status_code == 429 for _, response in answers[:-1])


async def test_a_429_whose_client_has_gone_is_dropped() -> None:
    """The held answer is not sent to a client that disconnected while it waited, and the
    slot is free again at once."""

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": 429, "headers": [(b"retry-after", b"5")]}
        await send(start)
        await send({"type": "http.response.body", "body": b"{}"})

    messages = iter([{"type": "http.request", "body": b"rest", "more_body": False}])

    async def receive() -> Message:
        message = next(messages, None)
        if message is None:
            await asyncio.sleep(0.1)
            return {"type": "http.disconnect"}
        return message

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    tarpit = RefusalTarpit(refuse, max_delay=5, slots=1)
    started = time.perf_counter()
    await tarpit({"type": "http", "path": "/graphql"}, receive, send)
    assert sent == [] and time.perf_counter() - started < 2 and tarpit.held == 0


async def test_a_held_back_caller_is_refused_over_the_websocket_before_parsing(
    app: Starlette, client: httpx.AsyncClient, settings: Settings
) -> None:
    """Refused subscriptions count against the caller as refused HTTP requests do (one bucket);
    once held back, `subscribe` gets an `error` for its id, RATE_LIMITED, unparsed."""
    token = await app_token(settings, await make_brand(), "events:read")
    headers = {"Authorization": f"Bearer {token}"}
    await hold_back(client, headers)
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    unparsed = {"id": "7", "type": "subscribe", "payload": {"query": "subscription { nope"}}
    ack, refused = await asgi_websocket(app, [init, unparsed])
    assert ack["type"] == "connection_ack"
    assert refused["type"] == "error" and refused["id"] == "7"
    [error] = refused["payload"]
    assert error["extensions"]["code"] == "RATE_LIMITED" and error["extensions"]["retryAfter"] >= 1


async def test_refused_subscriptions_hold_the_caller_back(
    app: Starlette, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand(), "events:read")
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    bombs = [
        {"id": str(i), "type": "subscribe", "payload": {"query": subscription_bomb(i)}}
        for i in range(60)
    ]
    ack, *answers = await asgi_websocket(app, [init, *bombs])
    assert ack["type"] == "connection_ack"
    assert [a["id"] for a in answers] == [str(i) for i in range(60)]
    assert_held_back([[e["extensions"]["code"] for e in a["payload"]] for a in answers])


def assert_held_back(codes: list[list[str]]) -> None:
    """30 refusals, then (once the bucket, refilling 1 a second, is empty) RATE_LIMITED."""
    assert codes[:30] == [["QUERY_TOO_COMPLEX"]] * 30
    assert ["RATE_LIMITED"] in codes[30:]
    assert all(c in (["QUERY_TOO_COMPLEX"], ["RATE_LIMITED"]) for c in codes)


def subscription_bomb(i: int) -> str:
    return bomb(30, "Subscription", "events { id }").replace("F", f"S{i}x")


# A real uvicorn worker (the default delay, 1 s).


@pytest.fixture(scope="module")
def server(database_url: str) -> Iterator[str]:
    process, base = start_server(database_url, TEST_REDIS_URL, f"crmtarpit{os.getpid()}")
    yield base
    stop_server(process)


async def test_uvicorn_holds_a_guessers_429s_and_answers_another_caller(
    server: str, settings: Settings
) -> None:
    brand = await make_brand("acme")
    await brands.create_staff_user(brand, EMAIL, "correct horse battery staple", "OWNER")
    token = await app_token(settings, brand, "events:read")
    async with httpx.AsyncClient(base_url=f"http://{server}", timeout=30) as http:
        for attempt in range(5):  # then the credential throttle refuses this address
            assert (await login(http, f"guess-{attempt}")).status_code == 200
        started = time.perf_counter()
        guesses = [login(http, f"guess-{i}") for i in range(4)]
        authorised = {"Authorization": f"Bearer {token}"}
        cheap = timed_post(http, json={"query": "{ viewer { kind } }"}, headers=authorised)
        held, (took, answered) = await asyncio.gather(asyncio.gather(*guesses), cheap)
        held_for = time.perf_counter() - started
    for response in held:
        assert response.status_code == 429 and error_codes(response.json()) == ["RATE_LIMITED"]
        assert int(response.headers["Retry-After"]) >= 1
    assert held_for >= 0.9
    assert answered.json()["data"] == {"viewer": {"kind": "app"}} and took < 0.9
    # The same token is held back over the websocket once its subscriptions keep being refused.
    async with websockets.connect(
        f"ws://{server}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    ) as conn:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        await conn.send(json.dumps(init))
        assert json.loads(await asyncio.wait_for(conn.recv(), 10))["type"] == "connection_ack"
        codes = []
        for i in range(60):
            payload = {"query": subscription_bomb(i)}
            await conn.send(json.dumps({"id": str(i), "type": "subscribe", "payload": payload}))
            frame = await asyncio.wait_for(conn.recv(), 10)
            assert isinstance(frame, str)  # a text frame
            answer = json.loads(frame)
            assert answer["type"] == "error" and answer["id"] == str(i)
            codes.append([e["extensions"]["code"] for e in answer["payload"]])
    assert_held_back(codes)
