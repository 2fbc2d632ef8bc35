from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.results import MutationResult
from resolvers.segments import mutations
from schema.common import UserError, user_errors
from schema.segments.inputs import (
    CreateSegmentInput,
    DeleteSegmentInput,
    UpdateSegmentInput,
    rule_json,
)
from schema.segments.types import SegmentType

if TYPE_CHECKING:
    from models import Segment

WRITE = requires(Scope.OFFERS_WRITE)


@strawberry.type
class SegmentPayload:
    segment: SegmentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteSegmentPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _payload(result: MutationResult[Segment]) -> SegmentPayload:
    found = SegmentType.from_model(result.value) if result.value else None
    return SegmentPayload(segment=found, errors=user_errors(result.errors, "Segment"))


@strawberry.type
class SegmentMutations:
    @strawberry.mutation(
        extensions=WRITE,
        description="Names are unique per brand; a malformed rule is INVALID on the bad node, "
        "e.g. field `rule.and[1].not.tier`.",
    )
    async def create_segment(self, info: Info, input: CreateSegmentInput) -> SegmentPayload:
        return _payload(
            await mutations.create(
                info.context, input.name, input.description, rule_json(input.rule)
            )
        )

    @strawberry.mutation(extensions=WRITE)
    async def update_segment(self, info: Info, input: UpdateSegmentInput) -> SegmentPayload:
        rule = None if input.rule is None else rule_json(input.rule)
        return _payload(
            await mutations.update(info.context, input.id, input.name, input.description, rule)
        )

    @strawberry.mutation(
        extensions=WRITE, description="CONFLICT while an offer or campaign still targets it."
    )
    async def delete_segment(self, info: Info, input: DeleteSegmentInput) -> DeleteSegmentPayload:
        result = await mutations.delete(info.context, input.id)
        if result.errors:
            return DeleteSegmentPayload(errors=user_errors(result.errors))
        return DeleteSegmentPayload(deleted_id=input.id)
