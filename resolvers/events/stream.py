"""The event stream behind the `events` subscriptions: resume, live, authorisation per event."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from auth.principal import Principal
from events import outbox
from events.broker import Broker
from events.catalogue import EVENT_TYPES, read_scope
from events.outbox import Event


@dataclass(frozen=True)
class EventFilter:
    types: frozenset[str] | None = None
    customer_id: int | None = None
    subject: tuple[str, str] | None = None


def broker_of(context: Context) -> Broker:
    request: Any = context.request
    broker: Broker = request.app.state.events.broker
    return broker


# What a customer token never sees, even about itself: staff-side SLA bookkeeping.
HIDDEN_FROM_CUSTOMERS = frozenset({"ticket.sla_breached"})


def visible(principal: Principal, event: Event) -> bool:
    """Same brand is given (channels are per brand); the scopes and ownership are checked here.

    Staff and partners need `events:read` and the resource's read scope. A customer token
    (which carries no scopes) sees only events about itself. Internal ticket notes stay
    internal: their events reach only holders of `tickets:write`.
    """
    if event.type not in EVENT_TYPES:
        return False
    note = event.payload.get("operation") == "addTicketNote"
    if note and not principal.has("tickets:write"):
        return False
    if principal.kind == "customer":
        mine = event.customer_id is not None and event.customer_id == principal.subject_id
        return mine and event.type not in HIDDEN_FROM_CUSTOMERS
    return principal.has("events:read") and principal.has(read_scope(event.type))


def _wanted(spec: EventFilter, event: Event) -> bool:
    if spec.types is not None and event.type not in spec.types:
        return False
    if spec.customer_id is not None and event.customer_id != spec.customer_id:
        return False
    return spec.subject is None or (event.subject_type, event.subject_id) == spec.subject


def _expired_error() -> StrawberryGraphQLError:
    return StrawberryGraphQLError("token has expired", extensions={"code": "UNAUTHENTICATED"})


async def _start_at(brand_id: int, after: int | None) -> int:
    latest = await outbox.last_seq(brand_id)
    if after is None:
        return latest
    if after < 0:
        raise StrawberryGraphQLError("after must be >= 0", extensions={"code": "BAD_USER_INPUT"})
    oldest = await outbox.oldest_seq(brand_id)
    if latest > after and (oldest is None or oldest > after + 1):
        raise StrawberryGraphQLError(
            "events after this id are no longer retained; resubscribe without `after`",
            extensions={"code": "RESUME_EXPIRED"},
        )
    return after


async def event_stream(
    context: Context, spec: EventFilter, after: int | None
) -> AsyncIterator[Event]:
    """Missed events from the outbox, then live ones; in id order, without gap or duplicate."""
    brand = context.require_brand()
    principal = context.principal
    assert principal is not None
    deadline = principal.expires_at.timestamp()
    recheck = context.settings.events_recheck_seconds

    def accept(event: Event) -> bool:
        return visible(principal, event) and _wanted(spec, event)

    async with broker_of(context).subscribe(brand.id) as subscription:
        last = await _start_at(brand.id, after)
        while True:
            # Catch up from the outbox (committed events only, in id order).
            while True:
                if time.time() >= deadline:
                    raise _expired_error()
                backlog = await outbox.events_after(brand.id, last, limit=200)
                for event in backlog:
                    last = event.seq
                    if accept(event):
                        context.loaders = {}  # fresh loaders per event
                        yield event
                if len(backlog) < 200:
                    break
            # Live: take events from the broker while they follow on exactly.
            while True:
                remaining = deadline - time.time()
                if remaining <= 0:
                    raise _expired_error()
                live = await subscription.get(min(recheck, remaining))
                if subscription.lagged:
                    subscription.lagged = False
                    break
                if live is None or live.seq > last + 1:
                    break  # idle re-check or a gap: read the outbox
                if live.seq <= last:
                    continue  # a duplicate (at-least-once relay)
                last = live.seq
                if accept(live):
                    context.loaders = {}
                    yield live
