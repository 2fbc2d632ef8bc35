"""Typed live events: one interface, one type per event kind."""

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


def _payload(event: Event, key: str) -> Any:
    return event.payload.get(key)


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


@strawberry.type
class CustomerCreated(EventType):
    pass


@strawberry.type
class CustomerUpdated(EventType):
    @strawberry.field(description="Names of the changed fields.")
    def fields(self) -> list[str]:
        return list(_payload(self.event, "fields") or [])


@strawberry.type
class CustomerMerged(EventType):
    @strawberry.field(description="The merged (deleted) customer.")
    def source_id(self) -> strawberry.ID | None:
        source = _payload(self.event, "sourceId")
        return strawberry.ID(to_global_id("Customer", int(source))) if source else None


@strawberry.type
class CustomerDeleted(EventType):
    pass


@strawberry.type
class PurchaseRecorded(EventType):
    @strawberry.field
    def purchase_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.event.subject_id) if self.event.subject_id else None

    @strawberry.field(description="Decimal amount as a string, in the brand's currency.")
    def amount(self) -> str | None:
        value = _payload(self.event, "amount")
        return None if value is None else str(value)


@strawberry.type
class PurchaseRefunded(PurchaseRecorded):
    pass


@strawberry.type
class PointsChanged(EventType):
    @strawberry.field
    def delta(self) -> int | None:
        return _payload(self.event, "delta")

    @strawberry.field
    def balance(self) -> int | None:
        return _payload(self.event, "balance")

    @strawberry.field
    def reason(self) -> str | None:
        return _payload(self.event, "reason")


@strawberry.type
class TierChanged(EventType):
    @strawberry.field
    def from_tier(self) -> str | None:
        return _payload(self.event, "fromTier")

    @strawberry.field
    def to_tier(self) -> str | None:
        return _payload(self.event, "toTier")


@strawberry.type
class CouponIssued(EventType):
    @strawberry.field
    def coupon_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.event.subject_id) if self.event.subject_id else None


@strawberry.type
class CouponRedeemed(CouponIssued):
    pass


@strawberry.type
class TicketCreated(EventType):
    @strawberry.field
    def ticket_id(self) -> strawberry.ID | None:
        return strawberry.ID(self.event.subject_id) if self.event.subject_id else None

    @strawberry.field
    def status(self) -> str | None:
        return _payload(self.event, "status")


@strawberry.type
class TicketUpdated(TicketCreated):
    pass


@strawberry.type
class TicketSlaBreached(TicketCreated):
    pass


@strawberry.type
class SurveyAnswered(EventType):
    @strawberry.field
    def score(self) -> int | None:
        return _payload(self.event, "score")


EVENT_CLASSES: dict[str, type[EventType]] = {
    "customer.created": CustomerCreated,
    "customer.updated": CustomerUpdated,
    "customer.merged": CustomerMerged,
    "customer.deleted": CustomerDeleted,
    "purchase.recorded": PurchaseRecorded,
    "purchase.refunded": PurchaseRefunded,
    "points.changed": PointsChanged,
    "membership.tier_changed": TierChanged,
    "coupon.issued": CouponIssued,
    "coupon.redeemed": CouponRedeemed,
    "ticket.created": TicketCreated,
    "ticket.updated": TicketUpdated,
    "ticket.sla_breached": TicketSlaBreached,
    "survey.response_submitted": SurveyAnswered,
}
ALL_EVENT_TYPES: list[type[EventType]] = list(dict.fromkeys(EVENT_CLASSES.values()))


def to_graphql(event: Event) -> EventType:
    return EVENT_CLASSES[event.type](event=event)
