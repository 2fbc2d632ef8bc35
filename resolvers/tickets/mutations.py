from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from resolvers.stores.refs import store_ref
from services.tickets import compensation as ticket_compensation
from services.tickets import config as ticket_config
from services.tickets import tickets
from services.tickets.config import SettingsChange

if TYPE_CHECKING:
    from models import PointsTransaction
    from models.tickets import ServiceSettings, SlaPolicy, Ticket, TicketMessage


async def open_ticket(
    context: Context,
    customer_id: str,
    channel: str,
    category: str,
    severity: str,
    subject: str,
    description: str,
    store_id: str | None = None,
) -> MutationResult[Ticket]:
    async def operation() -> Ticket:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        spec = tickets.NewTicket(
            pk, channel, category, severity, subject, description, store_ref(store_id)
        )
        return await tickets.open_ticket(context.actor, spec)

    return await run(operation())


async def transition(context: Context, ticket_id: str, to: str) -> MutationResult[Ticket]:
    async def operation() -> Ticket:
        pk = decode_or_error(ticket_id, "Ticket", "ticketId")
        return await tickets.transition(context.actor, pk, to)

    return await run(operation())


async def assign(
    context: Context, ticket_id: str, assignee_id: str | None
) -> MutationResult[Ticket]:
    async def operation() -> Ticket:
        pk = decode_or_error(ticket_id, "Ticket", "ticketId")
        staff = (
            None if assignee_id is None else decode_or_error(assignee_id, "StaffUser", "assigneeId")
        )
        return await tickets.assign(context.actor, pk, staff)

    return await run(operation())


async def add_message(
    context: Context, ticket_id: str, body: str, internal: bool
) -> MutationResult[TicketMessage]:
    async def operation() -> TicketMessage:
        pk = decode_or_error(ticket_id, "Ticket", "ticketId")
        return await tickets.add_message(context.actor, pk, body, internal)

    return await run(operation())


async def resolve(
    context: Context, ticket_id: str, resolution: str, root_cause: str
) -> MutationResult[Ticket]:
    async def operation() -> Ticket:
        pk = decode_or_error(ticket_id, "Ticket", "ticketId")
        return await tickets.resolve(context.actor, pk, resolution, root_cause)

    return await run(operation())


async def rate(
    context: Context, ticket_id: str, score: int, comment: str | None
) -> MutationResult[Ticket]:
    async def operation() -> Ticket:
        pk = decode_or_error(ticket_id, "Ticket", "ticketId")
        return await tickets.rate(context.actor, pk, score, comment)

    return await run(operation())


async def configure(
    context: Context,
    change: SettingsChange,
    follow_up_survey: str | None,
    resolution_survey: str | None,
    clear_follow_up: bool,
    clear_resolution: bool,
    purchase_survey: str | None = None,
    clear_purchase: bool = False,
) -> MutationResult[ServiceSettings]:
    async def operation() -> ServiceSettings:
        follow_up = (
            decode_or_error(follow_up_survey, "Survey", "followUpSurveyId")
            if follow_up_survey
            else None
        )
        resolution = (
            decode_or_error(resolution_survey, "Survey", "resolutionSurveyId")
            if resolution_survey
            else None
        )
        purchase = (
            decode_or_error(purchase_survey, "Survey", "purchaseSurveyId")
            if purchase_survey
            else None
        )
        full = replace(
            change,
            follow_up_survey_id=follow_up,
            resolution_survey_id=resolution,
            purchase_survey_id=purchase,
            clear_follow_up_survey=clear_follow_up,
            clear_resolution_survey=clear_resolution,
            clear_purchase_survey=clear_purchase,
        )
        return await ticket_config.configure(context.actor, full)

    return await run(operation())


async def set_sla_policy(
    context: Context,
    severity: str,
    first_response_minutes: int,
    resolution_minutes: int,
    business_hours: bool,
) -> MutationResult[SlaPolicy]:
    return await run(
        ticket_config.set_sla_policy(
            context.actor, severity, first_response_minutes, resolution_minutes, business_hours
        )
    )


async def compensate(
    context: Context, ticket_id: str, points: int, reason: str, key: str | None
) -> MutationResult[PointsTransaction]:
    async def operation() -> PointsTransaction:
        pk = decode_or_error(ticket_id, "Ticket", "ticketId")
        return await ticket_compensation.compensate(context.actor, pk, points, reason, key)

    return await run(operation())
