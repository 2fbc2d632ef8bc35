"""Batched loads around tickets: one statement per kind of data, whatever the page size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeAlias

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.tickets.query import messages_of, staff_users_by_id, tickets_by_id

if TYPE_CHECKING:
    from models import StaffUser
    from models.tickets import Ticket, TicketMessage


async def _tickets(keys: Sequence[BrandKey]) -> list[Ticket | None]:
    found: dict[BrandKey, Ticket] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await tickets_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def _staff(keys: Sequence[BrandKey]) -> list[StaffUser | None]:
    found: dict[BrandKey, StaffUser] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await staff_users_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


MessageBatch: TypeAlias = "Callable[[Sequence[BrandKey]], Awaitable[list[list[TicketMessage]]]]"


def _messages(internal: bool) -> MessageBatch:
    async def batch(keys: Sequence[BrandKey]) -> list[list[TicketMessage]]:
        found: dict[BrandKey, list[TicketMessage]] = defaultdict(list)
        for brand_id, ids in group_by_brand(keys).items():
            for row in await messages_of(brand_id, ids, internal):
                found[(brand_id, row.ticket_id)].append(row)
        return [found.get(key, []) for key in keys]

    return batch


async def ticket_by_id(context: Context, ticket_id: int) -> Ticket | None:
    brand = context.require_brand()
    return await get_loader(context, "tickets", _tickets).load((brand.id, ticket_id))  # type: ignore[no-any-return]


async def staff_user(context: Context, ticket: Ticket) -> StaffUser | None:
    if ticket.assignee_id is None:
        return None
    loader = get_loader(context, "staff_users", _staff)
    return await loader.load((ticket.brand_id, ticket.assignee_id))  # type: ignore[no-any-return]


async def replies(context: Context, ticket: Ticket) -> list[TicketMessage]:
    loader = get_loader(context, "ticket_replies", _messages(False))
    return await loader.load((ticket.brand_id, ticket.id))  # type: ignore[no-any-return]


async def internal_notes(context: Context, ticket: Ticket) -> list[TicketMessage]:
    loader = get_loader(context, "ticket_notes", _messages(True))
    return await loader.load((ticket.brand_id, ticket.id))  # type: ignore[no-any-return]
