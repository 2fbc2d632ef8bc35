"""The relay is woken when a request that wrote events is over, not on timers after emit()."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Iterator

import asyncpg
import pytest

from config import Settings
from events import wakeup
from events.broker import Broker
from events.relay import ADVISORY_LOCK_KEY, Relay
from models import Brand
from models.events import OutboxEvent
from services.common.actor import Actor
from services.customers import customers
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.support import CREATE_CUSTOMER, GraphQL, app_token, make_brand


@pytest.fixture
def waker() -> Iterator[asyncio.Event]:
    event = asyncio.Event()
    wakeup.register_waker(event)
    yield event
    wakeup.unregister_waker(event)


@pytest.fixture
async def brand() -> Brand:
    return await make_brand()


async def test_a_mutation_that_wrote_an_event_wakes_the_relay_as_it_ends(
    gql: GraphQL, settings: Settings, brand: Brand, waker: asyncio.Event
) -> None:
    token = await app_token(settings, brand)
    await gql.post("{ customers(first: 1) { totalCount } }", token=token)
    assert not waker.is_set()  # a read writes no event

    created = await gql.post(CREATE_CUSTOMER, {"input": {"name": "Ann"}}, token=token)
    assert created["data"]["createCustomer"]["customer"]["id"]
    assert waker.is_set()  # at once, before any timer could have fired


async def test_a_refused_mutation_does_not_wake_the_relay(
    gql: GraphQL, settings: Settings, brand: Brand, waker: asyncio.Event
) -> None:
    token = await app_token(settings, brand)
    refused = await gql.post(CREATE_CUSTOMER, {"input": {"name": " "}}, token=token)
    assert refused["data"]["createCustomer"]["errors"]
    assert not waker.is_set()


async def test_events_written_outside_a_request_wake_the_relay_on_timers(
    brand: Brand, waker: asyncio.Event
) -> None:
    await customers.create_customer(Actor(brand.id, "system", "job", "job"), brand, {"name": "Bo"})
    assert not waker.is_set()  # the job's transaction may still be open: not yet
    async with asyncio.timeout(5):
        await waker.wait()


@pytest.mark.skipif(not ON_POSTGRES, reason="the relays' advisory lock is PostgreSQL's")
async def test_a_relay_that_finds_another_at_work_tries_again_without_a_wake(
    settings: Settings, brand: Brand
) -> None:
    """Another worker's relay may have read the outbox just before this commit: the event must
    not wait for the next poll (a minute here) or the next request."""
    other_relay = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://"))
    holding = other_relay.transaction()
    await holding.start()
    await other_relay.fetchval("SELECT pg_advisory_xact_lock($1)", ADVISORY_LOCK_KEY)
    relay = Relay(dataclasses.replace(settings, events_poll_seconds=60.0), Broker())
    running = asyncio.create_task(relay.run())
    try:
        await customers.create_customer(
            Actor(brand.id, "system", "job", "job"), brand, {"name": "Cy"}
        )
        async with asyncio.timeout(5):
            while not relay.lock_busy:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)  # emit()'s wake-ups have come and found the lock taken
        await holding.rollback()
        async with asyncio.timeout(10):
            while await OutboxEvent.filter(published_at=None).exists():
                await asyncio.sleep(0.05)
    finally:
        relay.stopped = True
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
        await other_relay.close()
