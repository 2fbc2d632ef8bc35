"""`node(id:)`: one registry says which scope each node type needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import strawberry
from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.customers import loaders as customer_loaders
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, from_global_id
from resolvers.surveys import queries as survey_queries
from resolvers.tickets import loaders as ticket_loaders
from schema.common import Node
from schema.customers.types import CustomerType
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


NODE_KINDS: dict[str, NodeKind] = {
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
