from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.ids import decode_id
from resolvers.results import MutationResult
from resolvers.tickets import mutations, queries
from schema.common import UserError, user_errors
from schema.loyalty.types import PointsTransactionType
from schema.tickets.inputs import (
    AssignTicketInput,
    CompensateTicketInput,
    ConfigureTicketsInput,
    OpenTicketInput,
    RateTicketInput,
    ResolveTicketInput,
    SetSlaPolicyInput,
    TicketMessageInput,
    TransitionTicketInput,
)
from schema.tickets.types import TicketMessageType, TicketSettingsType, TicketType
from services.common.errors import FieldError
from services.tickets.config import SettingsChange

if TYPE_CHECKING:
    from models.tickets import Ticket

WRITE = requires(Scope.TICKETS_WRITE)
# A customer token may open, reply to and rate its own tickets (never notes or moves).
WRITE_OR_CUSTOMER = scope_or_customer(Scope.TICKETS_WRITE)
ADMIN = requires(Scope.ADMIN)


@strawberry.type
class TicketPayload:
    ticket: TicketType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TicketMessagePayload:
    message: TicketMessageType | None = None
    ticket: TicketType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CompensateTicketPayload:
    ticket: TicketType | None = None
    points_transaction: PointsTransactionType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TicketSettingsPayload:
    settings: TicketSettingsType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _payload(result: MutationResult[Ticket]) -> TicketPayload:
    found = TicketType.from_model(result.value) if result.value else None
    return TicketPayload(ticket=found, errors=user_errors(result.errors))


def _ticket_pk(global_id: str) -> int:
    return decode_id(global_id, "Ticket")


def _id(value: object) -> str | None:
    return None if value is None or value is strawberry.UNSET else str(value)


@strawberry.type
class TicketMutations:
    @strawberry.mutation(
        extensions=WRITE_OR_CUSTOMER, description="SLA due times come from the policy."
    )
    async def open_ticket(self, info: Info, input: OpenTicketInput) -> TicketPayload:
        return _payload(
            await mutations.open_ticket(
                info.context,
                input.customer_id,
                input.channel.value,
                input.category,
                input.severity.value,
                input.subject,
                input.description,
                input.store_id,
            )
        )

    @strawberry.mutation(extensions=WRITE, description="An illegal move is INVALID_TRANSITION.")
    async def transition_ticket(self, info: Info, input: TransitionTicketInput) -> TicketPayload:
        return _payload(await mutations.transition(info.context, input.ticket_id, input.to.value))

    @strawberry.mutation(extensions=WRITE)
    async def assign_ticket(self, info: Info, input: AssignTicketInput) -> TicketPayload:
        return _payload(await mutations.assign(info.context, input.ticket_id, input.assignee_id))

    @strawberry.mutation(
        extensions=WRITE_OR_CUSTOMER, description="A public reply, seen by the customer."
    )
    async def reply_to_ticket(self, info: Info, input: TicketMessageInput) -> TicketMessagePayload:
        return await _message(info, input, internal=False)

    @strawberry.mutation(extensions=WRITE, description="An internal note, never customer-visible.")
    async def add_ticket_note(self, info: Info, input: TicketMessageInput) -> TicketMessagePayload:
        return await _message(info, input, internal=True)

    @strawberry.mutation(extensions=WRITE)
    async def resolve_ticket(self, info: Info, input: ResolveTicketInput) -> TicketPayload:
        return _payload(
            await mutations.resolve(
                info.context, input.ticket_id, input.resolution, input.root_cause
            )
        )

    @strawberry.mutation(
        extensions=WRITE_OR_CUSTOMER, description="CSAT 1-5, once, after resolution."
    )
    async def rate_ticket(self, info: Info, input: RateTicketInput) -> TicketPayload:
        return _payload(
            await mutations.rate(info.context, input.ticket_id, input.score, input.comment)
        )

    @strawberry.mutation(
        extensions=requires(Scope.POINTS_WRITE),
        description="Goodwill points through the ledger; a retry never awards twice.",
    )
    async def compensate_ticket(
        self, info: Info, input: CompensateTicketInput
    ) -> CompensateTicketPayload:
        result = await mutations.compensate(
            info.context, input.ticket_id, input.points, input.reason, input.idempotency_key
        )
        if result.value is None:
            return CompensateTicketPayload(errors=user_errors(result.errors))
        ticket = await queries.ticket_model(info.context, _ticket_pk(input.ticket_id))
        return CompensateTicketPayload(
            ticket=TicketType.from_model(ticket) if ticket else None,
            points_transaction=PointsTransactionType.from_model(result.value, info.context),
        )

    @strawberry.mutation(extensions=ADMIN, description="Categories, root causes, the loop.")
    async def configure_tickets(
        self, info: Info, input: ConfigureTicketsInput
    ) -> TicketSettingsPayload:
        hours = input.business_hours
        change = SettingsChange(
            categories=input.categories,
            root_causes=input.root_causes,
            reopen_days=input.reopen_days,
            detractor_follow_up=input.detractor_follow_up,
            follow_up_category=input.follow_up_category,
            business_hours=None
            if not hours
            else {
                "start_minute": hours.start_minute,
                "end_minute": hours.end_minute,
                "weekdays": sorted(set(hours.weekdays)),
            },
            clear_business_hours=hours is None,
        )
        result = await mutations.configure(
            info.context,
            change,
            _id(input.follow_up_survey_id),
            _id(input.resolution_survey_id),
            clear_follow_up=input.follow_up_survey_id is None,
            clear_resolution=input.resolution_survey_id is None,
            purchase_survey=_id(input.purchase_survey_id),
            clear_purchase=input.purchase_survey_id is None,
        )
        return await _settings_payload(info, result.value is not None, result.errors)

    @strawberry.mutation(extensions=ADMIN, description="Targets for one severity.")
    async def set_sla_policy(self, info: Info, input: SetSlaPolicyInput) -> TicketSettingsPayload:
        result = await mutations.set_sla_policy(
            info.context,
            input.severity.value,
            input.first_response_minutes,
            input.resolution_minutes,
            input.business_hours,
        )
        return await _settings_payload(info, result.value is not None, result.errors)


async def _message(info: Info, input: TicketMessageInput, internal: bool) -> TicketMessagePayload:
    result = await mutations.add_message(info.context, input.ticket_id, input.body, internal)
    if result.value is None:
        return TicketMessagePayload(errors=user_errors(result.errors))
    ticket = await queries.ticket_model(info.context, result.value.ticket_id)
    return TicketMessagePayload(
        message=TicketMessageType.from_model(result.value),
        ticket=TicketType.from_model(ticket) if ticket else None,
    )


async def _settings_payload(
    info: Info, ok: bool, errors: list[FieldError]
) -> TicketSettingsPayload:
    if not ok:
        return TicketSettingsPayload(errors=user_errors(errors))
    found, policies = await queries.settings(info.context)
    return TicketSettingsPayload(settings=TicketSettingsType.from_model(found, policies))
