"""The Event interface every live event type implements, and its payload helpers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from auth.context import Info
from events.outbox import Event
from resolvers.customers import loaders as customer_loaders
from resolvers.ids import to_global_id
from schema.common import local_time
from schema.customers.types import CustomerType


def payload_value(event: Event, key: str) -> Any:
    return event.payload.get(key)


def subject_gid(event: Event) -> strawberry.ID | None:
    """The global id of what the event is about (e.g. Purchase:42)."""
    if not event.subject_type or not event.subject_id or not event.subject_id.isdigit():
        return None
    return strawberry.ID(to_global_id(event.subject_type, int(event.subject_id)))


def payload_gid(event: Event, key: str, type_name: str) -> strawberry.ID | None:
    pk = payload_value(event, key)
    return strawberry.ID(to_global_id(type_name, int(pk))) if pk else None


@strawberry.interface(name="Event", description="Something that happened in the caller's brand.")
class EventType:
    event: strawberry.Private[Event]

    @strawberry.field(description="Per-brand increasing id; pass it as `after` to resume.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(str(self.event.seq))

    @strawberry.field(description="e.g. customer.created, points.changed.")
    def type(self) -> str:
        return self.event.type

    @strawberry.field
    def occurred_at(self, info: Info) -> datetime:
        return local_time(info, self.event.occurred_at)

    @strawberry.field
    def customer_id(self) -> strawberry.ID | None:
        cid = self.event.customer_id
        return strawberry.ID(to_global_id("Customer", cid)) if cid is not None else None

    @strawberry.field(description="The customer now (loaded fresh; PII masked without pii:read).")
    async def customer(self, info: Info) -> CustomerType | None:
        principal = info.context.principal
        if self.event.customer_id is None or principal is None:
            return None
        if not principal.has("customers:read") and principal.kind != "customer":
            return None
        found = await customer_loaders.customer_by_id(info.context, self.event.customer_id)
        return CustomerType.from_model(found) if found else None

    @strawberry.field(description="The event's data as recorded (ids, amounts; no PII).")
    def payload(self) -> JSON:
        return JSON(self.event.payload)
