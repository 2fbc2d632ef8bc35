"""One event's subscription result is computed once per audience and never crosses audiences."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import ExecutionResult, execute, parse
from strawberry.schema.schema import execution_context_class_kwargs

from auth.context import Context
from auth.principal import Principal
from config import Settings
from engine.shared_events import SharedEventExecutor
from events.outbox import Event
from library_adapter import graphql_core_schema
from models import Brand, Customer
from schema import build_schema
from schema.events.types import to_graphql
from services.common.actor import Actor
from services.customers import customers
from tests.querycount import count_statements
from tests.support import make_brand

SCHEMA = build_schema()
QUERY = parse(
    """subscription($types: [String!]) { events(types: $types) {
      id type occurredAt ... on CustomerUpdated { customer { name phone } } } }"""
)


def context(settings: Settings, brand: Brand, scopes: str, subject_id: int = 1) -> Context:
    found = Context(request=None, settings=settings, request_id=f"r{subject_id}")
    found.brand = brand
    found.principal = Principal(
        kind="app",
        subject_id=subject_id,
        brand_slug=brand.slug,
        scopes=frozenset(scopes.split()),
        jti=f"jti-{subject_id}-{scopes}",
        expires_at=datetime.now(UTC) + timedelta(hours=1),
    )
    return found


async def run(event: Event, ctx: Context, variables: dict[str, Any] | None = None) -> Any:
    result = execute(
        graphql_core_schema(SCHEMA),
        QUERY,
        root_value=to_graphql(event),
        context_value=ctx,
        variable_values=variables,
        **execution_context_class_kwargs(SharedEventExecutor),
    )
    if not isinstance(result, ExecutionResult):
        result = await result  # type: ignore[misc]
    assert isinstance(result, ExecutionResult) and not result.errors, result
    return result.data


@pytest.fixture
async def brand() -> Brand:
    return await make_brand(timezone="Asia/Shanghai")


@pytest.fixture
async def customer(brand: Brand) -> Customer:
    actor = Actor(brand.id, "system", "test", "test")
    return await customers.create_customer(
        actor, brand, {"name": "Wang Fang", "phone": "13800138000"}
    )


def updated(brand: Brand, customer: Customer) -> Event:
    return Event(
        brand_id=brand.id,
        seq=7,
        type="customer.updated",
        customer_id=customer.id,
        subject_type="Customer",
        subject_id=str(customer.id),
        payload={"fields": ["name"]},
        occurred_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
    )


async def test_subscribers_with_one_principal_share_one_result(
    settings: Settings, brand: Brand, customer: Customer
) -> None:
    event = updated(brand, customer)
    scopes = "events:read customers:read pii:read"
    first = await run(event, context(settings, brand, scopes))
    second = await run(event, context(settings, brand, scopes))  # another connection, same app
    assert first["events"]["customer"] == {"name": "Wang Fang", "phone": "+8613800138000"}
    assert second is first  # computed once
    assert await run(updated(brand, customer), context(settings, brand, scopes)) is not first


async def test_scopes_principals_variables_and_zones_never_share(
    settings: Settings, brand: Brand, customer: Customer
) -> None:
    event = updated(brand, customer)
    full = await run(event, context(settings, brand, "events:read customers:read pii:read"))
    masked = await run(event, context(settings, brand, "events:read customers:read"))
    hidden = await run(event, context(settings, brand, "events:read"))
    assert full["events"]["customer"]["phone"] == "+8613800138000"
    assert masked["events"]["customer"]["phone"] != "+8613800138000"
    assert masked["events"]["customer"]["name"] == "Wang Fang"
    assert hidden["events"]["customer"] is None

    other_app = await run(event, context(settings, brand, "events:read", subject_id=2))
    assert other_app == hidden and other_app is not hidden
    filtered = await run(
        event, context(settings, brand, "events:read"), {"types": ["customer.updated"]}
    )
    assert filtered == hidden and filtered is not hidden

    elsewhere = await Brand.get(id=brand.id)
    elsewhere.timezone = "Europe/Paris"
    paris = await run(event, context(settings, elsewhere, "events:read"))
    assert paris["events"]["occurredAt"] == "2026-12-01T02:00:00+01:00"
    assert hidden["events"]["occurredAt"] == "2026-12-01T09:00:00+08:00"


async def test_subscribers_arriving_while_the_first_loads_wait_for_its_result(
    settings: Settings, brand: Brand, customer: Customer
) -> None:
    event = updated(brand, customer)
    scopes = "events:read customers:read pii:read"
    with count_statements() as statements:
        results = await asyncio.gather(
            *(run(event, context(settings, brand, scopes)) for _ in range(5))
        )
    assert all(result is results[0] for result in results)
    assert results[0]["events"]["customer"]["name"] == "Wang Fang"
    assert len([s for s in statements if "customers" in s]) == 1  # one load, not five


async def test_a_cancelled_subscriber_leaves_the_others_their_result(
    settings: Settings, brand: Brand, customer: Customer
) -> None:
    event = updated(brand, customer)
    scopes = "events:read customers:read"
    first = asyncio.create_task(run(event, context(settings, brand, scopes)))
    waiting = [asyncio.create_task(run(event, context(settings, brand, scopes))) for _ in range(2)]
    await asyncio.sleep(0)  # all three have started on the event
    waiting[0].cancel()
    first_result, other = await asyncio.gather(first, waiting[1])
    assert other is first_result
    with pytest.raises(asyncio.CancelledError):
        await waiting[0]

    # When the first subscriber itself goes away, the ones waiting execute for themselves.
    fresh = updated(brand, customer)
    owner = asyncio.create_task(run(fresh, context(settings, brand, scopes)))
    waiter = asyncio.create_task(run(fresh, context(settings, brand, scopes)))
    await asyncio.sleep(0)
    owner.cancel()
    alone = await waiter
    assert alone["events"]["customer"]["name"] == "Wang Fang"
    assert alone["events"]["customer"]["phone"] != "+8613800138000"
