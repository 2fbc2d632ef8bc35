"""trackEvents, the tracking vocabulary and write keys."""

from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.results import MutationResult
from resolvers.tracking import mutations
from schema.common import user_errors
from schema.tracking.inputs import (
    CreateTrackingKeyInput,
    DefineTrackingEventInput,
    RevokeTrackingKeyInput,
    TrackEventsInput,
)
from schema.tracking.types import (
    DefineTrackingEventPayload,
    TrackEventsPayload,
    TrackingEventNameType,
    TrackingKeyPayload,
    TrackingKeyType,
)

WRITE = requires(Scope.EVENTS_WRITE)


def _key_payload(result: MutationResult) -> TrackingKeyPayload:  # type: ignore[type-arg]
    key = TrackingKeyType.from_model(result.value) if result.value else None
    return TrackingKeyPayload(tracking_key=key, errors=user_errors(result.errors))


@strawberry.type
class TrackingQueries:
    @strawberry.field(
        extensions=requires(Scope.EVENTS_READ),
        description="Event names trackEvents accepts: the standard ones, then the brand's.",
    )
    async def tracking_vocabulary(self, info: Info) -> list[TrackingEventNameType]:
        found = await mutations.events_vocabulary(info.context)
        return [TrackingEventNameType.from_name(n) for n in found]

    @strawberry.field(extensions=WRITE, description="The brand's write keys (at most 100).")
    async def tracking_keys(self, info: Info) -> list[TrackingKeyType]:
        return [TrackingKeyType.from_model(k) for k in await mutations.list_keys(info.context)]


@strawberry.type
class TrackingMutations:
    @strawberry.mutation(
        extensions=scope_or_customer(Scope.EVENTS_WRITE),
        description="Store a batch of behaviour events (at most 500). Each bad event is "
        "refused on its own, with an error naming it; the good ones are stored.",
    )
    async def track_events(self, info: Info, input: TrackEventsInput) -> TrackEventsPayload:
        result = await mutations.track_events(info.context, [e.to_raw() for e in input.events])
        found = result.value
        return TrackEventsPayload(
            accepted=found.accepted if found else 0,
            duplicates=found.duplicates if found else 0,
            errors=user_errors(found.errors if found else result.errors),
        )

    @strawberry.mutation(extensions=WRITE, description="Add a custom event name (at most 200).")
    async def define_tracking_event(
        self, info: Info, input: DefineTrackingEventInput
    ) -> DefineTrackingEventPayload:
        result = await mutations.define_event(info.context, input.name, input.description)
        name = TrackingEventNameType.from_name(result.value) if result.value else None
        return DefineTrackingEventPayload(event_name=name, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=WRITE, description="A new public write key (20 active).")
    async def create_tracking_key(
        self, info: Info, input: CreateTrackingKeyInput
    ) -> TrackingKeyPayload:
        return _key_payload(await mutations.create_key(info.context, input.name))

    @strawberry.mutation(extensions=WRITE, description="The key stops working at once.")
    async def revoke_tracking_key(
        self, info: Info, input: RevokeTrackingKeyInput
    ) -> TrackingKeyPayload:
        return _key_payload(await mutations.revoke_key(info.context, input.id))
