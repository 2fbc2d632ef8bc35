from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry
from strawberry.scalars import JSON

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.ids import to_global_id
from resolvers.segments import queries
from resolvers.segments.rules import to_api
from schema.common import Edge, Node, PageInfo, edges, local_time
from schema.customers.types import CustomerConnection, CustomerType
from services.common.pagination import Page, PageRequest

if TYPE_CHECKING:
    from models import Segment as SegmentModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    SegmentModel = object

MEMBERS = requires(Scope.CUSTOMERS_READ)


@strawberry.type(name="Segment", description="A saved rule selecting customers of the brand.")
class SegmentType(Node):
    name: str
    description: str
    created_by: str
    model: strawberry.Private[SegmentModel]

    @classmethod
    def from_model(cls, segment: SegmentModel) -> SegmentType:
        return cls(
            id=strawberry.ID(to_global_id("Segment", segment.id)),
            name=segment.name,
            description=segment.description,
            created_by=segment.created_by,
            model=segment,
        )

    @strawberry.field(description="The rule tree, in the shape of SegmentRuleInput.")
    def rule(self) -> JSON:
        return JSON(to_api(self.model.rule))

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field
    def updated_at(self, info: Info) -> datetime:
        return local_time(info, self.model.updated_at)

    @strawberry.field(description="How many customers match now (one COUNT query).")
    async def size(self, info: Info) -> int:
        return await queries.size(info.context, self.model.rule)

    @strawberry.field(extensions=MEMBERS, description="Matching customers by id, evaluated now.")
    async def members(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> CustomerConnection:
        rule = self.model.rule
        page = await queries.members(info.context, rule, PageRequest(first=first, after=after))

        async def count() -> int:
            return await queries.size(info.context, rule)

        return CustomerConnection.from_page(page, count)


@strawberry.type
class SegmentConnection:
    edges: list[Edge[SegmentType]]
    page_info: PageInfo

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await queries.segment_count(info.context)

    @classmethod
    def from_page(cls, page: Page[SegmentModel]) -> SegmentConnection:
        return cls(
            edges=edges(page, SegmentType.from_model),
            page_info=PageInfo.from_page(page),
        )


@strawberry.type(description="What an unsaved rule would select now.")
class SegmentPreview:
    rule_json: strawberry.Private[dict[str, Any]]

    @strawberry.field
    async def size(self, info: Info) -> int:
        return await queries.size(info.context, self.rule_json)

    @strawberry.field(extensions=MEMBERS, description="The first matching customers by id.")
    async def sample(self, info: Info, first: int = 10) -> list[CustomerType]:
        page = await queries.members(info.context, self.rule_json, PageRequest(first=first))
        return [CustomerType.from_model(m) for _, m in page.items]
