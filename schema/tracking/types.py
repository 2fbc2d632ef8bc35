"""Tracking types: payloads, the event vocabulary, write keys."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.ids import to_global_id
from schema.common import Node, UserError, local_time
from services.tracking.vocabulary import EventName

if TYPE_CHECKING:
    from models.analytics import TrackingKey
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    TrackingKey = object


@strawberry.type
class TrackEventsPayload:
    accepted: int = strawberry.field(
        default=0, description="Events stored, now or by an earlier call with the same eventId."
    )
    duplicates: int = strawberry.field(
        default=0, description="Of the accepted, those stored before (a retry stores nothing)."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list,
        description="One per refused event, its field named by position: `events[3].name`.",
    )


@strawberry.type(name="TrackingEventName")
class TrackingEventNameType:
    name: str
    description: str
    custom: bool = strawberry.field(description="Defined by the brand (defineTrackingEvent).")

    @classmethod
    def from_name(cls, found: EventName) -> TrackingEventNameType:
        return cls(name=found.name, description=found.description, custom=found.custom)


@strawberry.type
class DefineTrackingEventPayload:
    event_name: TrackingEventNameType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(
    name="TrackingKey",
    description="A public write key for the /track beacon: visitor events only, rate limited.",
)
class TrackingKeyType(Node):
    name: str
    key: str
    active: bool
    model: strawberry.Private[TrackingKey]

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @classmethod
    def from_model(cls, row: TrackingKey) -> TrackingKeyType:
        return cls(
            id=strawberry.ID(to_global_id("TrackingKey", row.id)),
            name=row.name,
            key=row.key,
            active=row.active,
            model=row,
        )


@strawberry.type
class TrackingKeyPayload:
    tracking_key: TrackingKeyType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)
