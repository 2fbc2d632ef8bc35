"""Tickets in a data export (with their messages) and an erasure (the texts go, the figures stay:
category, severity, SLA, root cause, rating)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from models.tickets import Ticket, TicketMessage
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, paged, section

ERASED = "(erased)"


@section("tickets", description="Complaints with their messages (internal notes flagged).")
async def _tickets(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[Ticket]) -> list[dict[str, Any]]:
        messages: dict[int, list[dict[str, Any]]] = defaultdict(list)
        found = await TicketMessage.filter(ticket_id__in=[t.id for t in rows]).order_by("id")
        for m in found:
            messages[m.ticket_id].append(
                {
                    "body": m.body,
                    "author": m.author,
                    "internal": m.internal,
                    "at": iso(m.created_at),
                }
            )
        return [
            {
                "id": t.id,
                "channel": t.channel,
                "category": t.category,
                "severity": t.severity,
                "subject": t.subject,
                "description": t.description,
                "status": t.status,
                "resolution": t.resolution,
                "rootCause": t.root_cause,
                "csatScore": t.csat_score,
                "csatComment": t.csat_comment,
                "openedAt": iso(t.created_at),
                "resolvedAt": iso(t.resolved_at),
                "closedAt": iso(t.closed_at),
                "messages": messages[t.id],
            }
            for t in rows
        ]

    async for page in paged(Ticket.filter(brand_id=brand_id, customer_id=customer_id), convert):
        yield page


@erasure_hook("tickets")
async def _erase(actor: Actor, customer: Customer) -> None:
    tickets = Ticket.filter(brand_id=customer.brand_id, customer_id=customer.id)
    ids = await tickets.values_list("id", flat=True)
    await TicketMessage.filter(brand_id=customer.brand_id, ticket_id__in=list(ids)).delete()
    await tickets.update(subject=ERASED, description="", csat_comment=None)
    await Ticket.filter(id__in=list(ids), resolution__isnull=False).update(resolution=ERASED)
