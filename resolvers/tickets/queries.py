from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.tickets import loaders
from services.common.pagination import Page, PageRequest, PaginationError
from services.tickets import compensation as ticket_compensation
from services.tickets import config as ticket_config
from services.tickets import query as ticket_query
from services.tickets import stats as ticket_stats
from services.tickets.query import TicketFilter
from services.tickets.stats import TicketStats

if TYPE_CHECKING:
    from models import PointsTransaction
    from models.tickets import ServiceSettings, SlaPolicy, Ticket


def decode_query_id(global_id: str, type_name: str) -> int:
    try:
        return decode_id(global_id, type_name)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc


def own_customer(context: Context) -> int | None:
    """The customer behind a customer token (who sees only their own tickets), else None."""
    principal = context.principal
    return principal.subject_id if principal is not None and principal.kind == "customer" else None


async def ticket(context: Context, global_id: str) -> Ticket | None:
    found = await loaders.ticket_by_id(context, decode_query_id(global_id, "Ticket"))
    owner = own_customer(context)
    if found is None or (owner is not None and found.customer_id != owner):
        return None
    return found


async def ticket_model(context: Context, ticket_id: int) -> Ticket | None:
    """Fresh from the database (after a mutation), not from the request's loader cache."""
    return await ticket_query.ticket_in_brand(context.require_brand().id, ticket_id)


def _scoped(context: Context, spec: TicketFilter) -> TicketFilter:
    owner = own_customer(context)
    return spec if owner is None else replace(spec, customer_id=owner)


async def tickets(context: Context, spec: TicketFilter, page: PageRequest) -> Page[Ticket]:
    brand = context.require_brand()
    spec = _scoped(context, spec)
    try:
        return await ticket_query.list_tickets(brand.id, spec, page, datetime.now(UTC))
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def tickets_count(context: Context, spec: TicketFilter) -> int:
    brand = context.require_brand()
    return await ticket_query.count_tickets(brand.id, _scoped(context, spec), datetime.now(UTC))


async def stats(context: Context, frm: datetime | None, to: datetime | None) -> TicketStats:
    if frm is not None and to is not None and frm >= to:
        raise bad_input("`from` must be before `to`")
    return await ticket_stats.ticket_stats(context.require_brand().id, frm, to)


async def settings(context: Context) -> tuple[ServiceSettings, list[SlaPolicy]]:
    brand_id = context.require_brand().id
    found = await ticket_config.get_settings(brand_id)
    return found, await ticket_config.sla_policies(brand_id)


async def compensations(context: Context, ticket: Ticket) -> list[PointsTransaction]:
    return await ticket_compensation.compensations_of(ticket.brand_id, ticket.id)
