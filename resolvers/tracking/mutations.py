"""Tracking resolvers: GraphQL arguments to the tracking services."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.ids import decode_id
from resolvers.results import MutationResult, decode_or_error, run
from services.tracking import keys
from services.tracking.ingest import Tracker, TrackResult, track
from services.tracking.validation import RawEvent
from services.tracking.vocabulary import EventName, define_event_name, vocabulary

if TYPE_CHECKING:
    from models.analytics import TrackingKey


def tracker_of(context: Context) -> Tracker:
    """A customer's token sends its own events; staff and partners any customer's."""
    principal = context.principal
    assert principal is not None  # the permission class ran first
    if principal.kind == "customer":
        return Tracker.for_customer(context.actor, principal.subject_id)
    return Tracker(context.actor)


async def track_events(context: Context, events: Sequence[RawEvent]) -> MutationResult[TrackResult]:
    return await run(track(tracker_of(context), events, decode_id))


async def define_event(context: Context, name: str, description: str) -> MutationResult[EventName]:
    return await run(define_event_name(context.actor, name, description))


async def events_vocabulary(context: Context) -> list[EventName]:
    return await vocabulary(context.require_brand().id)


async def create_key(context: Context, name: str) -> MutationResult[TrackingKey]:
    return await run(keys.create_key(context.actor, name))


async def revoke_key(context: Context, global_id: str) -> MutationResult[TrackingKey]:
    async def operation() -> TrackingKey:
        pk = decode_or_error(global_id, "TrackingKey", "id")
        return await keys.revoke_key(context.actor, pk)

    return await run(operation())


async def list_keys(context: Context) -> list[TrackingKey]:
    return await keys.list_keys(context.require_brand().id)
