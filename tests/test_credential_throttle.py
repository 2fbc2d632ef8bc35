"""Credentials cannot be guessed at full speed (issue 25, section 7): wrong staff passwords and
wrong client secrets are throttled by (account, address), by address and (as a slow-down only)
by account, with RATE_LIMITED and Retry-After; a real user from another address still gets in;
failures are audited without the secret; argon2 runs off the event loop."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from config import Settings
from models import AuditEntry
from server import create_app
from services.brands import brands
from tests.support import make_brand

LOGIN = """mutation($brand: String!, $email: String!, $password: String!) {
  login(input: {brand: $brand, email: $email, password: $password}) { token errors { code } } }"""
PASSWORD = "correct horse battery staple"
EMAIL = "owner@acme.example"

Client = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def from_address(settings: Settings) -> AsyncIterator[Client]:
    """Clients of one app, each from the client address given."""
    app: Starlette = create_app(settings, manage_db=False)
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        clients: dict[str, httpx.AsyncClient] = {}

        def client(address: str) -> httpx.AsyncClient:
            if address not in clients:
                transport = httpx.ASGITransport(app=app, client=(address, 40000))
                clients[address] = httpx.AsyncClient(transport=transport, base_url="http://t")
            return clients[address]

        yield client
        for opened in clients.values():
            await opened.aclose()


async def login(client: httpx.AsyncClient, password: str, email: str = EMAIL) -> httpx.Response:
    variables = {"brand": "acme", "email": email, "password": password}
    return await client.post("/graphql", json={"query": LOGIN, "variables": variables})


def outcome(response: httpx.Response) -> str:
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    payload = body["data"]["login"]
    return payload["errors"][0]["code"] if payload["errors"] else "OK"


async def owner() -> None:
    await brands.create_staff_user(await make_brand("acme"), EMAIL, PASSWORD, "OWNER")


async def test_thirty_wrong_passwords_are_throttled_and_the_real_user_still_logs_in(
    from_address: Client,
) -> None:
    await owner()
    attacker = from_address("203.0.113.7")
    outcomes, retry_afters = [], []
    for attempt in range(30):
        response = await login(attacker, f"guess-{attempt}")
        outcomes.append(outcome(response))
        if response.status_code == 429:
            retry_afters.append(int(response.headers["Retry-After"]))
    assert outcomes[:5] == ["INVALID_CREDENTIALS"] * 5
    assert outcomes[5:] == ["RATE_LIMITED"] * 25
    assert len(retry_afters) == 25 and all(0 < s <= 900 for s in retry_afters)
    assert outcome(await login(attacker, PASSWORD)) == "RATE_LIMITED"  # the guess is not checked
    assert outcome(await login(from_address("198.51.100.9"), PASSWORD)) == "OK"
    failed = await AuditEntry.filter(operation="loginFailed").order_by("id")
    assert len(failed) == 5
    assert {row.principal_id for row in failed} == {"203.0.113.7"}
    for row in failed:
        assert row.details["email"] == EMAIL and row.details["knownUser"] is True
        text = json.dumps(row.details)
        assert "guess-" not in text and PASSWORD not in text


async def test_failures_spread_over_addresses_slow_the_account_but_do_not_lock_it(
    from_address: Client,
) -> None:
    await owner()
    for address in range(4):
        attacker = from_address(f"203.0.113.{address + 10}")
        for attempt in range(5):
            assert outcome(await login(attacker, f"guess-{attempt}")) == "INVALID_CREDENTIALS"
    # 20 failures on the account: from now on one attempt per two seconds, whoever sends it.
    assert outcome(await login(from_address("203.0.113.98"), "guess")) == "INVALID_CREDENTIALS"
    slowed = await login(from_address("203.0.113.99"), "guess")
    assert outcome(slowed) == "RATE_LIMITED"
    assert 1 <= int(slowed.headers["Retry-After"]) <= 2
    real_user = from_address("198.51.100.9")
    first = await login(real_user, PASSWORD)
    if first.status_code == 429:
        await asyncio.sleep(int(first.headers["Retry-After"]))
        first = await login(real_user, PASSWORD)
    assert outcome(first) == "OK"


async def test_one_address_spraying_many_accounts_is_throttled(from_address: Client) -> None:
    await owner()
    sprayer = from_address("203.0.113.50")
    outcomes = [outcome(await login(sprayer, "guess", f"user{i}@acme.example")) for i in range(31)]
    assert outcomes[:30] == ["INVALID_CREDENTIALS"] * 30
    assert outcomes[30] == "RATE_LIMITED"
    assert outcome(await login(sprayer, PASSWORD)) == "RATE_LIMITED"
    assert outcome(await login(from_address("198.51.100.9"), PASSWORD)) == "OK"


async def test_wrong_client_secrets_are_throttled(from_address: Client) -> None:
    brand = await make_brand("acme")
    created = await brands.create_app(brand, "POS", ["customers:read"])
    client_id, secret = created.app.client_id, created.client_secret
    attacker = from_address("203.0.113.7")
    statuses, retry_after = [], None
    for attempt in range(30):
        response = await attacker.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": f"guess-{attempt}",
            },
        )
        statuses.append(response.status_code)
        if response.status_code == 429:
            retry_after = int(response.headers["Retry-After"])
            assert response.json()["code"] == "RATE_LIMITED"
    assert statuses == [401] * 5 + [429] * 25
    assert retry_after is not None and retry_after > 0
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    assert (await attacker.post("/auth/token", data=form)).status_code == 429
    assert (await from_address("198.51.100.9").post("/auth/token", data=form)).status_code == 200
    failed = await AuditEntry.filter(operation="tokenRequestFailed")
    assert len(failed) == 5
    assert all("guess-" not in json.dumps(row.details) for row in failed)
    assert all(row.target_id == str(created.app.id) for row in failed)


async def test_password_checks_do_not_hold_the_event_loop(from_address: Client) -> None:
    await owner()
    probe = from_address("192.0.2.1")
    started = time.perf_counter()
    logins = asyncio.gather(
        *(login(from_address(f"203.0.113.{i + 100}"), "wrong") for i in range(4))
    )
    gaps, last = [], time.perf_counter()
    while not logins.done():  # the longest the event loop went without serving the probe
        assert (await probe.get("/healthz")).status_code == 200
        await asyncio.sleep(0.005)
        gaps.append(time.perf_counter() - last)
        last = time.perf_counter()
    await logins
    login_seconds = time.perf_counter() - started
    assert login_seconds > 0.2 and len(gaps) > 5, (login_seconds, gaps)
    assert max(gaps) < login_seconds / 4, (login_seconds, sorted(gaps)[-3:])
