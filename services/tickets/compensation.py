"""Goodwill compensation: points through the loyalty ledger, idempotent, linked to a ticket."""

from __future__ import annotations

import hashlib

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import PointsTransaction
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty import points
from services.tickets.tickets import lock

MAX_REASON = 500


def compensation_key(ticket_id: int, points_: int, reason: str, key: str | None) -> str:
    """The ledger's idempotency key: a retried compensation never awards twice."""
    if key:
        return f"{ticket_key_prefix(ticket_id)}{key}"[:200]
    digest = hashlib.sha256(f"{points_}|{reason}".encode()).hexdigest()[:24]
    return f"{ticket_key_prefix(ticket_id)}compensation:{digest}"


async def compensate(
    actor: Actor, ticket_id: int, points_: int, reason: str, key: str | None
) -> PointsTransaction:
    errors = ErrorCollector()
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        errors.add("reason", ErrorCode.INVALID, f"a reason of 1 to {MAX_REASON} characters")
    if points_ <= 0:
        errors.add("points", ErrorCode.INVALID, "points must be positive")
    errors.raise_if_any()
    async with in_transaction():
        ticket = await lock(actor.brand_id, ticket_id)
        if ticket.status == "CLOSED":
            raise DomainError.single("ticketId", ErrorCode.TICKET_CLOSED, "the ticket is closed")
        ledger_key = compensation_key(ticket.id, points_, reason, key)
        # The ticket's row lock serialises compensations of a ticket: this check is exact.
        replay = await PointsTransaction.exists(brand_id=actor.brand_id, idempotency_key=ledger_key)
        tx = await points.award_points(
            actor,
            ticket.customer_id,
            points_,
            f"Ticket {ticket.id}: {reason}",
            "ticket",
            ledger_key,
        )
        if replay:
            return tx
        details = {"transaction": tx.id, "points": points_}
        await audit.record(actor, "compensateTicket", "Ticket", ticket.id, details)
        await emit(
            actor,
            "ticket.updated",
            customer_id=ticket.customer_id,
            subject=("Ticket", ticket.id),
            payload={"operation": "compensateTicket", "status": ticket.status, **details},
        )
    return tx


def ticket_key_prefix(ticket_id: int) -> str:
    return f"ticket:{ticket_id}:"


async def compensations_of(brand_id: int, ticket_id: int) -> list[PointsTransaction]:
    """The ledger entries a ticket's compensations wrote, oldest first."""
    return await PointsTransaction.filter(
        brand_id=brand_id,
        source="ticket",
        idempotency_key__startswith=ticket_key_prefix(ticket_id),
    ).order_by("id")
