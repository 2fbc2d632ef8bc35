"""The Subscription root: `events`, `pointsChanged`, `ticketUpdated`, `dashboard`."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from events.catalogue import EVENT_TYPES
from resolvers.events import dashboard as dashboard_resolvers
from resolvers.events.stream import EventFilter, event_stream
from resolvers.ids import BadGlobalId, decode_id
from schema.events.types import EventType, PointsChanged, TicketUpdated, to_graphql


def _bad(message: str) -> StrawberryGraphQLError:
    return StrawberryGraphQLError(message, extensions={"code": "BAD_USER_INPUT"})


def _customer_pk(customer_id: strawberry.ID | None) -> int | None:
    if customer_id is None:
        return None
    try:
        return decode_id(customer_id, "Customer")
    except BadGlobalId as exc:
        raise _bad(str(exc)) from exc


def _after(after: strawberry.ID | None) -> int | None:
    if after is None:
        return None
    if not str(after).isdigit():
        raise _bad("after must be an event id")
    return int(after)


@strawberry.type(description="The Dashboard KPIs of the caller's brand, today in its time zone.")
class Dashboard:
    new_members_today: int
    purchases_today: int | None
    revenue_today: str | None
    points_issued_today: int | None
    points_redeemed_today: int | None
    open_tickets: int | None
    sla_breaches_today: int | None
    nps_30_days: float | None = strawberry.field(name="nps30Days")


@strawberry.type
class EventSubscriptions:
    @strawberry.subscription(
        extensions=scope_or_customer(Scope.EVENTS_READ),
        description="Live events; with `after`, first the events after that id (resume). "
        "Each event also needs the read scope of its resource; a customer token receives "
        "only events about itself.",
    )
    async def events(
        self,
        info: Info,
        types: list[str] | None = None,
        customer_id: strawberry.ID | None = None,
        after: strawberry.ID | None = None,
    ) -> AsyncGenerator[EventType, None]:
        unknown = sorted(set(types or []) - set(EVENT_TYPES))
        if unknown:
            raise _bad(f"unknown event types: {', '.join(unknown)}")
        spec = EventFilter(
            types=frozenset(types) if types else None, customer_id=_customer_pk(customer_id)
        )
        async for event in event_stream(info.context, spec, _after(after)):
            yield to_graphql(event)

    @strawberry.subscription(
        extensions=scope_or_customer(Scope.EVENTS_READ),
        description="Changes of one customer's points balance (also needs points:read).",
    )
    async def points_changed(
        self, info: Info, customer_id: strawberry.ID, after: strawberry.ID | None = None
    ) -> AsyncGenerator[PointsChanged, None]:
        spec = EventFilter(
            types=frozenset({"points.changed"}), customer_id=_customer_pk(customer_id)
        )
        async for event in event_stream(info.context, spec, _after(after)):
            yield PointsChanged(event=event)

    @strawberry.subscription(
        extensions=scope_or_customer(Scope.EVENTS_READ),
        description="Changes of one ticket: updates and SLA breaches (also needs tickets:read).",
    )
    async def ticket_updated(
        self, info: Info, ticket_id: strawberry.ID, after: strawberry.ID | None = None
    ) -> AsyncGenerator[TicketUpdated, None]:
        try:
            pk = decode_id(ticket_id, "Ticket")
        except BadGlobalId as exc:
            raise _bad(str(exc)) from exc
        types = frozenset({"ticket.updated", "ticket.sla_breached"})
        spec = EventFilter(types=types, subject=("Ticket", str(pk)))
        async for event in event_stream(info.context, spec, _after(after)):
            yield TicketUpdated(event=event)

    @strawberry.subscription(
        extensions=requires(Scope.ANALYTICS_READ),
        description="Live KPIs: a first value at once, then at most a few updates a second.",
    )
    async def dashboard(self, info: Info) -> AsyncGenerator[Dashboard, None]:
        async for values in dashboard_resolvers.kpi_stream(info.context):
            yield Dashboard(**values)
