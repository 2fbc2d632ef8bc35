"""Listing tickets (keyset pages, filters) and the breach sweep of `crm tickets sla`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import StaffUser
from models.tickets import Ticket, TicketMessage
from services.common import audit
from services.common.actor import Actor
from services.common.pagination import Page, PageRequest, paginate

OPEN_STATES = ("NEW", "OPEN", "PENDING_CUSTOMER")


@dataclass(frozen=True)
class TicketFilter:
    status: list[str] | None = None
    severity: list[str] | None = None
    category: str | None = None
    channel: str | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    breached: bool | None = None
    customer_id: int | None = None
    store_id: int | None = None


def breached_condition(now: datetime) -> Q:
    """Breached, stored or not yet swept: a running clock past its due time counts."""
    late_response = Q(first_responded_at__isnull=True, first_response_due__lt=now)
    late_resolution = Q(status__in=["NEW", "OPEN"], resolution_due__lt=now)
    return (
        Q(first_response_breached=True)
        | Q(resolution_breached=True)
        | late_response
        | late_resolution
    )


def filtered(brand_id: int, spec: TicketFilter, now: datetime) -> QuerySet[Ticket]:
    query = Ticket.filter(brand_id=brand_id)
    if spec.status:
        query = query.filter(status__in=spec.status)
    if spec.severity:
        query = query.filter(severity__in=spec.severity)
    if spec.category:
        query = query.filter(category=spec.category)
    if spec.channel:
        query = query.filter(channel=spec.channel)
    if spec.assignee_id is not None:
        query = query.filter(assignee_id=spec.assignee_id)
    if spec.unassigned:
        query = query.filter(assignee_id__isnull=True)
    if spec.customer_id is not None:
        query = query.filter(customer_id=spec.customer_id)
    if spec.store_id is not None:
        query = query.filter(store_id=spec.store_id)
    if spec.breached is True:
        query = query.filter(breached_condition(now))
    elif spec.breached is False:
        query = query.exclude(breached_condition(now))
    return query


async def list_tickets(
    brand_id: int, spec: TicketFilter, page: PageRequest, now: datetime
) -> Page[Ticket]:
    return await paginate(filtered(brand_id, spec, now), "created_at", True, page, is_datetime=True)


async def count_tickets(brand_id: int, spec: TicketFilter, now: datetime) -> int:
    return await filtered(brand_id, spec, now).count()


async def messages_of(brand_id: int, ticket_ids: list[int], internal: bool) -> list[TicketMessage]:
    return await TicketMessage.filter(
        brand_id=brand_id, ticket_id__in=ticket_ids, internal=internal
    ).order_by("created_at", "id")


@dataclass(frozen=True)
class SweepResult:
    first_response: list[int]
    resolution: list[int]


async def _ids(query: QuerySet[Ticket]) -> list[int]:
    rows = await query.select_for_update().values("id")
    return [int(row["id"]) for row in rows]


async def mark_breaches(actor: Actor, now: datetime) -> SweepResult:
    """Flag every ticket of the brand whose running clock is past due: two UPDATEs."""
    async with in_transaction():
        late_response = Ticket.filter(
            brand_id=actor.brand_id,
            first_response_breached=False,
            first_responded_at__isnull=True,
            first_response_due__lt=now,
        ).exclude(status__in=["RESOLVED", "CLOSED"])
        late_resolution = Ticket.filter(
            brand_id=actor.brand_id,
            resolution_breached=False,
            status__in=["NEW", "OPEN"],
            resolution_due__lt=now,
        )
        response_ids = await _ids(late_response)
        resolution_ids = await _ids(late_resolution)
        if response_ids:
            await Ticket.filter(id__in=response_ids).update(first_response_breached=True)
        if resolution_ids:
            await Ticket.filter(id__in=resolution_ids).update(resolution_breached=True)
        rows = await Ticket.filter(id__in=sorted({*response_ids, *resolution_ids})).values_list(
            "id", "customer_id"
        )
        for ticket_id, customer_id in rows:
            clocks = [
                name
                for name, ids in (("firstResponse", response_ids), ("resolution", resolution_ids))
                if ticket_id in ids
            ]
            await emit(
                actor,
                "ticket.sla_breached",
                customer_id=customer_id,
                subject=("Ticket", ticket_id),
                payload={"clocks": clocks},
            )
        if rows:
            await audit.record_many(actor, "markSlaBreaches", "Ticket", [r[0] for r in rows])
    return SweepResult(sorted(response_ids), sorted(resolution_ids))


async def tickets_by_id(brand_id: int, ticket_ids: list[int]) -> list[Ticket]:
    return await Ticket.filter(brand_id=brand_id, id__in=ticket_ids)


async def ticket_in_brand(brand_id: int, ticket_id: int) -> Ticket | None:
    return await Ticket.get_or_none(brand_id=brand_id, id=ticket_id)


async def staff_users_by_id(brand_id: int, user_ids: list[int]) -> list[StaffUser]:
    """The staff a page of tickets names (assignees, authors)."""
    return await StaffUser.filter(brand_id=brand_id, id__in=user_ids)
