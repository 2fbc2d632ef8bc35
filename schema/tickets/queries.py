from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.tickets import queries
from schema.tickets.inputs import TicketFilter
from schema.tickets.stats import TicketStatsType
from schema.tickets.types import TicketConnection, TicketSettingsType, TicketType
from services.common.pagination import PageRequest

READ = requires(Scope.TICKETS_READ)
# A customer token sees its own tickets (public replies only, never internal notes).
READ_OR_CUSTOMER = scope_or_customer(Scope.TICKETS_READ)


@strawberry.type
class TicketQueries:
    @strawberry.field(extensions=READ_OR_CUSTOMER)
    async def ticket(self, info: Info, id: strawberry.ID) -> TicketType | None:
        found = await queries.ticket(info.context, id)
        return TicketType.from_model(found) if found else None

    @strawberry.field(
        extensions=READ_OR_CUSTOMER,
        description="Newest first; keyset-paginated. A customer token lists its own tickets.",
    )
    async def tickets(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        filter: TicketFilter | None = None,
    ) -> TicketConnection:
        spec = (filter or TicketFilter()).to_spec()
        page = await queries.tickets(info.context, spec, PageRequest(first, after, last, before))

        async def count() -> int:
            return await queries.tickets_count(info.context, spec)

        return TicketConnection.from_page(page, count)

    @strawberry.field(extensions=READ, description="Over tickets opened in [from, to).")
    async def ticket_stats(
        self,
        info: Info,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
    ) -> TicketStatsType:
        return TicketStatsType.from_stats(await queries.stats(info.context, from_, to))

    @strawberry.field(extensions=READ)
    async def ticket_settings(self, info: Info) -> TicketSettingsType:
        found, policies = await queries.settings(info.context)
        return TicketSettingsType.from_model(found, policies)
