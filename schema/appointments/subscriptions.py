"""`appointmentChanged`: a store's live board."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Info
from auth.permissions import scope_or_customer
from auth.scopes import Scope
from resolvers.events.stream import EventFilter, event_stream
from resolvers.ids import BadGlobalId, decode_id
from schema.events.types import AppointmentEvent

CHANGES = frozenset(
    {
        "appointment.booked",
        "appointment.rescheduled",
        "appointment.cancelled",
        "appointment.checked_in",
        "appointment.completed",
        "appointment.no_show",
        "appointment.reminder_due",
    }
)


def _bad(message: str) -> StrawberryGraphQLError:
    return StrawberryGraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


@strawberry.type
class AppointmentSubscriptions:
    @strawberry.subscription(
        extensions=scope_or_customer(Scope.EVENTS_READ),
        description="Every change of the store's appointments (also needs appointments:read; "
        "a customer token receives its own only). With `after`, first the events after it.",
    )
    async def appointment_changed(
        self, info: Info, store_id: strawberry.ID, after: strawberry.ID | None = None
    ) -> AsyncGenerator[AppointmentEvent, None]:
        try:
            store = decode_id(store_id, "Store")
        except BadGlobalId as exc:
            raise _bad(str(exc)) from exc
        if after is not None and not str(after).isdigit():
            raise _bad("after must be an event id")
        resume = int(after) if after is not None else None
        async for event in event_stream(info.context, EventFilter(types=CHANGES), resume):
            if event.payload.get("store") == store:
                yield AppointmentEvent(event=event)
