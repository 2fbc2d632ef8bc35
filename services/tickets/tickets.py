"""Complaint tickets: opening, the state machine, replies and notes, resolution, rating."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Customer, StaffUser
from models.tickets import ServiceSettings, SlaPolicy, Ticket, TicketMessage
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.stores import refs as store_refs
from services.stores.refs import StoreRef
from services.surveys import invites as survey_invites
from services.tickets import clock as ticket_clock
from services.tickets import merge as service_merge
from services.tickets.clock import record_change, resume_clock, stop_clock
from services.tickets.config import CHANNELS, SEVERITIES, get_settings
from services.tickets.sla import add_working_time

service_merge.register()
STATUSES = ("NEW", "OPEN", "PENDING_CUSTOMER", "RESOLVED", "CLOSED")
# Moves transitionTicket may make; RESOLVED is reached only through resolveTicket.
TRANSITIONS: dict[str, frozenset[str]] = {
    "NEW": frozenset({"OPEN"}),
    "OPEN": frozenset({"PENDING_CUSTOMER"}),
    "PENDING_CUSTOMER": frozenset({"OPEN"}),
    "RESOLVED": frozenset({"CLOSED", "OPEN"}),
    "CLOSED": frozenset({"OPEN"}),
}
RESOLVABLE = frozenset({"OPEN", "PENDING_CUSTOMER"})
MAX_BODY = 10_000


def now_utc() -> datetime:
    return datetime.now(UTC)


def check_transition(current: str, to: str) -> None:
    """Raise INVALID_TRANSITION unless the state machine allows `current -> to`."""
    if to not in TRANSITIONS.get(current, frozenset()):
        hint = " (use resolveTicket)" if to == "RESOLVED" else ""
        raise DomainError.single(
            "to", ErrorCode.INVALID_TRANSITION, f"a {current} ticket cannot move to {to}{hint}"
        )


@dataclass(frozen=True)
class NewTicket:
    customer_id: int
    channel: str
    category: str
    severity: str
    subject: str
    description: str
    store: StoreRef | None = None


def _text(value: str, field: str, limit: int, errors: ErrorCollector) -> str:
    value = value.strip()
    if not value:
        errors.add(field, ErrorCode.REQUIRED, f"{field} is required")
    elif len(value) > limit:
        errors.add(field, ErrorCode.TOO_LONG, f"{field} is longer than {limit}")
    return value


async def create_ticket(
    actor: Actor,
    spec: NewTicket,
    source_response_id: int | None = None,
    settings: ServiceSettings | None = None,
    store_id: int | None = None,
) -> Ticket:
    """Write a ticket with its SLA due times; call inside a transaction, input validated."""
    now = now_utc()
    values: dict[str, Any] = {}
    policy = await SlaPolicy.get_or_none(brand_id=actor.brand_id, severity=spec.severity)
    if policy is not None:
        hours = (
            await ticket_clock.business_hours(actor.brand_id, settings)
            if policy.business_hours
            else None
        )
        values = {
            "first_response_due": add_working_time(now, policy.first_response_minutes * 60, hours),
            "resolution_due": add_working_time(now, policy.resolution_minutes * 60, hours),
            "sla_business_hours": policy.business_hours,
        }
    ticket = await Ticket.create(
        brand_id=actor.brand_id,
        customer_id=spec.customer_id,
        channel=spec.channel,
        category=spec.category,
        severity=spec.severity,
        subject=spec.subject,
        description=spec.description,
        opened_by=actor.label,
        source_response_id=source_response_id,
        store_id=store_id,
        **values,
    )
    await audit.record(actor, "openTicket", "Ticket", ticket.id, {"customer": spec.customer_id})
    await emit(
        actor,
        "ticket.created",
        customer_id=spec.customer_id,
        subject=("Ticket", ticket.id),
        payload={"status": ticket.status, "severity": spec.severity, "category": spec.category},
    )
    return ticket


async def open_ticket(actor: Actor, spec: NewTicket) -> Ticket:
    errors = ErrorCollector()
    subject = _text(spec.subject, "subject", 200, errors)
    description = _text(spec.description, "description", MAX_BODY, errors)
    if spec.channel not in CHANNELS:
        errors.add("channel", ErrorCode.INVALID, f"channel must be one of {CHANNELS}")
    if spec.severity not in SEVERITIES:
        errors.add("severity", ErrorCode.INVALID, f"severity must be one of {SEVERITIES}")
    settings = await get_settings(actor.brand_id)
    if spec.category not in settings.categories:
        errors.add(
            "category",
            ErrorCode.UNKNOWN_CATEGORY,
            f"'{spec.category}' is not one of the brand's categories",
        )
    if actor.kind == "customer" and str(spec.customer_id) != actor.subject:
        errors.add("customerId", ErrorCode.NOT_FOUND, "customer not found")
    errors.raise_if_any()
    async with in_transaction():
        if not await Customer.exists(brand_id=actor.brand_id, id=spec.customer_id):
            raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
        cleaned = NewTicket(
            spec.customer_id, spec.channel, spec.category, spec.severity, subject, description
        )
        store = await store_refs.resolve(actor, spec.store, "storeId")
        return await create_ticket(
            actor, cleaned, settings=settings, store_id=store.id if store else None
        )


async def lock(
    brand_id: int, ticket_id: int, field: str = "ticketId", actor: Actor | None = None
) -> Ticket:
    """The ticket, row-locked; a customer's own tickets only (another's is not found)."""
    ticket = await Ticket.select_for_update().get_or_none(brand_id=brand_id, id=ticket_id)
    if ticket is None or (
        actor is not None and actor.kind == "customer" and str(ticket.customer_id) != actor.subject
    ):
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "ticket not found")
    return ticket


async def transition(actor: Actor, ticket_id: int, to: str) -> Ticket:
    if to not in STATUSES:
        raise DomainError.single("to", ErrorCode.INVALID, f"status must be one of {STATUSES}")
    async with in_transaction():
        ticket = await lock(actor.brand_id, ticket_id)
        current, now = ticket.status, now_utc()
        check_transition(current, to)
        if current in ("RESOLVED", "CLOSED"):  # a reopen
            settings = await get_settings(actor.brand_id)
            resolved = ticket.resolved_at or now
            if now - resolved > timedelta(days=settings.reopen_days):
                raise DomainError.single(
                    "to",
                    ErrorCode.INVALID_TRANSITION,
                    f"reopening is allowed for {settings.reopen_days} days after resolution",
                )
            ticket.resolved_at = ticket.closed_at = None
            await resume_clock(ticket, now)
        if to == "PENDING_CUSTOMER":
            ticket.paused_at = now
            await stop_clock(ticket, now)
        if current == "PENDING_CUSTOMER":
            ticket.paused_at = None
            await resume_clock(ticket, now)
        if to == "CLOSED":
            ticket.closed_at = now
        ticket.status = to
        await record_change(actor, ticket, "transitionTicket", {"from": current, "to": to})
    return ticket


async def assign(actor: Actor, ticket_id: int, staff_id: int | None) -> Ticket:
    async with in_transaction():
        ticket = await lock(actor.brand_id, ticket_id)
        if ticket.status == "CLOSED":
            raise DomainError.single("ticketId", ErrorCode.TICKET_CLOSED, "the ticket is closed")
        if staff_id is not None and not await StaffUser.exists(
            brand_id=actor.brand_id, id=staff_id, is_active=True
        ):
            raise DomainError.single("assigneeId", ErrorCode.NOT_FOUND, "staff user not found")
        ticket.assignee_id = staff_id
        await record_change(actor, ticket, "assignTicket", {"assignee": staff_id})
    return ticket


async def add_message(actor: Actor, ticket_id: int, body: str, internal: bool) -> TicketMessage:
    """A public reply (first staff reply answers the SLA) or an internal note."""
    errors = ErrorCollector()
    body = _text(body, "body", MAX_BODY, errors)
    if internal and actor.kind == "customer":
        errors.add("ticketId", ErrorCode.NOT_FOUND, "ticket not found")
    errors.raise_if_any()
    async with in_transaction():
        ticket = await lock(actor.brand_id, ticket_id, actor=actor)
        if ticket.status == "CLOSED" and not internal:
            raise DomainError.single(
                "ticketId", ErrorCode.TICKET_CLOSED, "the ticket is closed: reopen it to reply"
            )
        now = now_utc()
        message = await TicketMessage.create(
            brand_id=actor.brand_id,
            ticket_id=ticket.id,
            internal=internal,
            body=body,
            author=actor.label,
        )
        operation = "addTicketNote" if internal else "replyToTicket"
        if not internal and actor.kind != "customer" and ticket.first_responded_at is None:
            ticket.first_responded_at = now
            due = ticket.first_response_due
            ticket.first_response_breached = due is not None and now > due
        if not internal and ticket.status == "NEW" and actor.kind != "customer":
            ticket.status = "OPEN"
        if not internal and ticket.status == "PENDING_CUSTOMER" and actor.kind == "customer":
            ticket.status, ticket.paused_at = "OPEN", None
            await resume_clock(ticket, now)
        await record_change(actor, ticket, operation, {"message": message.id})
    return message


async def resolve(actor: Actor, ticket_id: int, resolution: str, root_cause: str) -> Ticket:
    errors = ErrorCollector()
    resolution = _text(resolution, "resolution", MAX_BODY, errors)
    settings = await get_settings(actor.brand_id)
    if root_cause not in settings.root_causes:
        errors.add(
            "rootCause",
            ErrorCode.UNKNOWN_ROOT_CAUSE,
            f"'{root_cause}' is not one of the brand's root causes",
        )
    errors.raise_if_any()
    async with in_transaction():
        ticket = await lock(actor.brand_id, ticket_id)
        if ticket.status not in RESOLVABLE:
            raise DomainError.single(
                "ticketId",
                ErrorCode.INVALID_TRANSITION,
                f"a {ticket.status} ticket cannot be resolved",
            )
        now = now_utc()
        await stop_clock(ticket, now)
        previous = ticket.status
        ticket.status, ticket.resolved_at, ticket.paused_at = "RESOLVED", now, None
        ticket.resolution, ticket.root_cause = resolution, root_cause
        await record_change(
            actor, ticket, "resolveTicket", {"from": previous, "rootCause": root_cause}
        )
        survey_id = settings.resolution_survey_id
        if ticket.source_response_id is not None and settings.follow_up_survey_id is not None:
            survey_id = settings.follow_up_survey_id
        if survey_id is not None:
            await survey_invites.invite_after_ticket(actor, survey_id, ticket)
    return ticket


async def rate(actor: Actor, ticket_id: int, score: int, comment: str | None) -> Ticket:
    if not 1 <= score <= 5:
        raise DomainError.single("score", ErrorCode.INVALID, "the rating is 1 to 5")
    if comment is not None and len(comment) > MAX_BODY:
        raise DomainError.single("comment", ErrorCode.TOO_LONG, "the comment is too long")
    async with in_transaction():
        ticket = await lock(actor.brand_id, ticket_id, actor=actor)
        if ticket.status not in ("RESOLVED", "CLOSED"):
            raise DomainError.single(
                "ticketId", ErrorCode.NOT_RESOLVED, "only a resolved ticket can be rated"
            )
        if ticket.csat_score is not None:
            raise DomainError.single("ticketId", ErrorCode.ALREADY_RATED, "already rated")
        ticket.csat_score, ticket.rated_at = score, now_utc()
        ticket.csat_comment = (comment or "").strip() or None  # type: ignore[assignment]
        await record_change(actor, ticket, "rateTicket", {"score": score})
    return ticket
