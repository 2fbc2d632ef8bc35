"""The ticket's clocks (business hours, pause and resume) and the record of each change."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from events.outbox import emit
from models import Brand
from models.tickets import ServiceSettings, Ticket
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.tickets.config import get_settings
from services.tickets.sla import BusinessHours, Clock


async def business_hours(brand_id: int, settings: ServiceSettings | None = None) -> BusinessHours:
    settings = settings or await get_settings(brand_id)
    brand = await Brand.get(id=brand_id)
    hours = BusinessHours.from_json(settings.business_hours, ZoneInfo(brand.timezone))
    if hours is None:
        raise DomainError.single("businessHours", ErrorCode.INVALID, "no business hours set")
    return hours


async def hours_of(ticket: Ticket) -> BusinessHours | None:
    """The hours a ticket's clock counts; wall time if the brand has since removed its hours."""
    if not ticket.sla_business_hours:
        return None
    settings = await get_settings(ticket.brand_id)
    brand = await Brand.get(id=ticket.brand_id)
    return BusinessHours.from_json(settings.business_hours, ZoneInfo(brand.timezone))


async def record_change(
    actor: Actor, ticket: Ticket, operation: str, details: dict[str, object]
) -> None:
    """Save, audit and emit ticket.updated, and ticket.sla_breached when a clock was just missed
    (a late first reply, a late resolution): the sweep flags only clocks still running."""
    stored = (
        await Ticket.filter(id=ticket.id)
        .first()
        .values("first_response_breached", "resolution_breached")
    )
    await ticket.save()
    await audit.record(actor, operation, "Ticket", ticket.id, details)
    await emit(
        actor,
        "ticket.updated",
        customer_id=ticket.customer_id,
        subject=("Ticket", ticket.id),
        payload={"operation": operation, "status": ticket.status, **details},
    )
    now_breached = {
        "firstResponse": ticket.first_response_breached,
        "resolution": ticket.resolution_breached,
    }
    was_breached = {
        "firstResponse": bool(stored and stored["first_response_breached"]),
        "resolution": bool(stored and stored["resolution_breached"]),
    }
    clocks = [name for name, hit in now_breached.items() if hit and not was_breached[name]]
    if clocks:
        await emit(
            actor,
            "ticket.sla_breached",
            customer_id=ticket.customer_id,
            subject=("Ticket", ticket.id),
            payload={"clocks": clocks, "status": ticket.status},
        )


def clock_of(ticket: Ticket) -> Clock:
    return Clock(
        ticket.resolution_due, ticket.resolution_remaining_seconds, ticket.resolution_breached
    )


def store_clock(ticket: Ticket, clock: Clock) -> None:
    ticket.resolution_due = clock.due
    ticket.resolution_remaining_seconds = clock.remaining_seconds
    ticket.resolution_breached = clock.breached


async def stop_clock(ticket: Ticket, now: datetime) -> None:
    clock = clock_of(ticket)
    clock.stop(now, await hours_of(ticket))
    store_clock(ticket, clock)


async def resume_clock(ticket: Ticket, now: datetime) -> None:
    clock = clock_of(ticket)
    clock.resume(now, await hours_of(ticket))
    store_clock(ticket, clock)
