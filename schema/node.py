"""`node(id:)`: one registry says which scope each node type needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import strawberry
from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.analytics import reports as analytics_reports
from resolvers.campaigns import loaders as campaign_loaders
from resolvers.customers import loaders as customer_loaders
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, from_global_id
from resolvers.offers import loaders as offer_loaders
from resolvers.segments import queries as segment_queries
from resolvers.surveys import queries as survey_queries
from resolvers.tickets import loaders as ticket_loaders
from schema.analytics.types import ProductType
from schema.campaigns.types import CampaignType
from schema.common import Node
from schema.customers.types import CustomerType
from schema.offers.types import OfferType
from schema.segments.types import SegmentType
from schema.surveys.types import SurveyType
from schema.tickets.types import TicketType


@dataclass(frozen=True)
class NodeKind:
    scope: Scope
    fetch: Callable[[Info, int], Awaitable[Node | None]]


async def _customer(info: Info, pk: int) -> Node | None:
    found = await customer_loaders.customer_by_id(info.context, pk)
    return CustomerType.from_model(found) if found else None


async def _ticket(info: Info, pk: int) -> Node | None:
    found = await ticket_loaders.ticket_by_id(info.context, pk)
    return TicketType.from_model(found) if found else None


async def _survey(info: Info, pk: int) -> Node | None:
    found = await survey_queries.survey_by_id(info.context, pk)
    return SurveyType.from_model(found) if found else None


async def _segment(info: Info, pk: int) -> Node | None:
    found = await segment_queries.segment_by_id(info.context, pk)
    return SegmentType.from_model(found) if found else None


async def _offer(info: Info, pk: int) -> Node | None:
    brand = info.context.require_brand()
    found = await offer_loaders.offer_by_id(info.context, brand.id, pk)
    return OfferType.from_model(found) if found else None


async def _campaign(info: Info, pk: int) -> Node | None:
    found = await campaign_loaders.campaign_by_id(info.context, pk)
    return CampaignType.from_model(found) if found else None


async def _product(info: Info, pk: int) -> Node | None:
    found = await analytics_reports.product_by_id(info.context, pk)
    return ProductType.from_model(found) if found else None


NODE_KINDS: dict[str, NodeKind] = {
    "Product": NodeKind(Scope.ANALYTICS_READ, _product),
    "Campaign": NodeKind(Scope.OFFERS_READ, _campaign),
    "Offer": NodeKind(Scope.OFFERS_READ, _offer),
    "Segment": NodeKind(Scope.OFFERS_READ, _segment),
    "Survey": NodeKind(Scope.SURVEYS_READ, _survey),
    "Ticket": NodeKind(Scope.TICKETS_READ, _ticket),
    "Customer": NodeKind(Scope.CUSTOMERS_READ, _customer),
}


@strawberry.type
class NodeQueries:
    @strawberry.field(
        extensions=requires(),
        description="Any object by global id; each type also needs its own read scope.",
    )
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            type_name, pk = from_global_id(id)
        except BadGlobalId as exc:
            raise bad_input(str(exc)) from exc
        kind = NODE_KINDS.get(type_name)
        if kind is None:
            return None
        principal = info.context.principal
        if principal is None or not principal.has(kind.scope.value):
            raise StrawberryGraphQLError(
                f"requires scope {kind.scope.value}", extensions={"code": "FORBIDDEN"}
            )
        return await kind.fetch(info, pk)
