"""Tracking inputs: one event and a batch of them."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.scalars import JSON

from services.tracking.validation import RawEvent


@strawberry.input(description="One behaviour event (docs/analytics.md, tracking vocabulary).")
class TrackedEventInput:
    event_id: str = strawberry.field(
        description="The client's id of the event (1-64 of A-Z a-z 0-9 . _ : -); a retry with "
        "the same id stores nothing twice."
    )
    name: str = strawberry.field(description="A standard name or one the brand defined.")
    occurred_at: datetime = strawberry.field(
        description="With a UTC offset; at most 10 minutes ahead and 3 years back."
    )
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required unless anonymousId is given."
    )
    anonymous_id: str | None = strawberry.field(
        default=None,
        description="The visitor's id; sent with customerId (at sign-in) it stitches the "
        "visitor's earlier events to the customer.",
    )
    session_id: str | None = None
    store_id: strawberry.ID | None = strawberry.field(default=None, description="A Store id.")
    properties: JSON | None = strawberry.field(
        default=None,
        description="Flat object: at most 32 keys, values string (500 characters), number, "
        "boolean or null, 4 KB in all.",
    )

    def to_raw(self) -> RawEvent:
        return RawEvent(
            event_id=self.event_id,
            name=self.name,
            occurred_at=self.occurred_at,
            customer_id=self.customer_id,
            anonymous_id=self.anonymous_id,
            session_id=self.session_id,
            store_id=self.store_id,
            properties=self.properties,
        )


@strawberry.input
class TrackEventsInput:
    events: list[TrackedEventInput] = strawberry.field(description="At most 500.")


@strawberry.input
class DefineTrackingEventInput:
    name: str = strawberry.field(description="2-64 characters: a-z, 0-9 and _, starting a-z.")
    description: str = ""


@strawberry.input
class CreateTrackingKeyInput:
    name: str


@strawberry.input
class RevokeTrackingKeyInput:
    id: strawberry.ID
