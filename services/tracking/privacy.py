"""Tracked behaviour in a data export (each event with its properties, the visitor ids linked
to the customer) and an erasure (the events lose who, where and what beyond their name and
time, so counts stay right; the visitor links go)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from models.analytics import TrackedEvent, VisitorIdentity
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, paged, section


@section("trackedEvents", description="Behaviour events: name, time, session, properties.")
async def _events(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[TrackedEvent]) -> list[dict[str, Any]]:
        return [
            {
                "name": e.name,
                "occurredAt": iso(e.occurred_at),
                "receivedAt": iso(e.received_at),
                "sessionId": e.session_id,
                "anonymousId": e.anonymous_id,
                "properties": e.properties,
            }
            for e in rows
        ]

    query = TrackedEvent.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@section("visitorIds", description="Anonymous visitor ids known to be the customer.")
async def _visitors(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[VisitorIdentity]) -> list[dict[str, Any]]:
        return [{"anonymousId": v.anonymous_id, "linkedAt": iso(v.linked_at)} for v in rows]

    query = VisitorIdentity.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("tracking")
async def _erase(actor: Actor, customer: Customer) -> None:
    brand_id = customer.brand_id
    visitors = VisitorIdentity.filter(brand_id=brand_id, customer_id=customer.id)
    anonymous_ids = list(await visitors.values_list("anonymous_id", flat=True))
    scrubbed: dict[str, Any] = {
        "customer_id": None,
        "anonymous_id": None,
        "session_id": None,
        "properties": {},
    }
    await TrackedEvent.filter(brand_id=brand_id, customer_id=customer.id).update(**scrubbed)
    if anonymous_ids:
        await TrackedEvent.filter(brand_id=brand_id, anonymous_id__in=anonymous_ids).update(
            **scrubbed
        )
    await visitors.delete()
