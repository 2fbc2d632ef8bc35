from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.segments import queries
from schema.segments.inputs import SegmentRuleInput, rule_json
from schema.segments.types import SegmentConnection, SegmentPreview, SegmentType
from services.common.pagination import PageRequest

READ = requires(Scope.OFFERS_READ)


@strawberry.type
class SegmentQueries:
    @strawberry.field(extensions=READ)
    async def segment(self, info: Info, id: strawberry.ID) -> SegmentType | None:
        found = await queries.segment(info.context, id)
        return SegmentType.from_model(found) if found else None

    @strawberry.field(extensions=READ, description="Newest first; keyset-paginated.")
    async def segments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> SegmentConnection:
        page = await queries.segment_list(info.context, PageRequest(first=first, after=after))
        return SegmentConnection.from_page(page)

    @strawberry.field(
        extensions=READ,
        description="Evaluate an unsaved rule; a malformed one is a BAD_USER_INPUT error whose "
        "extensions.fields name each bad node.",
    )
    async def preview_segment(self, info: Info, rule: SegmentRuleInput) -> SegmentPreview:
        return SegmentPreview(rule_json=queries.preview_rule(rule_json(rule)))
