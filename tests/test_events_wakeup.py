"""The relay is woken when a request that wrote events is over, not on timers after emit()."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from config import Settings
from events import wakeup
from models import Brand
from services import customers
from services.actor import Actor
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
