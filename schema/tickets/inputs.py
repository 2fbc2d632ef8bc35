from __future__ import annotations

import strawberry

from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from schema.tickets.types import TicketChannel, TicketSeverity, TicketStatus
from services.tickets.query import TicketFilter as TicketFilterSpec


@strawberry.input
class OpenTicketInput:
    customer_id: strawberry.ID
    channel: TicketChannel
    category: str = strawberry.field(description="One of the brand's ticket categories.")
    severity: TicketSeverity = TicketSeverity.NORMAL
    subject: str
    description: str
    store_id: str | None = strawberry.field(
        default=None, description="The store concerned: a Store id (or a store code)."
    )


@strawberry.input
class TransitionTicketInput:
    ticket_id: strawberry.ID
    to: TicketStatus


@strawberry.input
class AssignTicketInput:
    ticket_id: strawberry.ID
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description="A staff user of the brand; null unassigns."
    )


@strawberry.input
class TicketMessageInput:
    ticket_id: strawberry.ID
    body: str


@strawberry.input
class ResolveTicketInput:
    ticket_id: strawberry.ID
    resolution: str
    root_cause: str = strawberry.field(description="One of the brand's root causes.")


@strawberry.input
class RateTicketInput:
    ticket_id: strawberry.ID
    score: int = strawberry.field(description="CSAT 1-5.")
    comment: str | None = None


@strawberry.input
class CompensateTicketInput:
    ticket_id: strawberry.ID
    points: int
    reason: str
    idempotency_key: str | None = strawberry.field(
        default=None, description="Defaults to one derived from the ticket, points and reason."
    )


@strawberry.input
class BusinessHoursInput:
    start_minute: int = strawberry.field(description="Minutes after local midnight, e.g. 540.")
    end_minute: int
    weekdays: list[int] = strawberry.field(description="ISO weekdays, 1 = Monday.")


@strawberry.input(description="Only the fields given are changed.")
class ConfigureTicketsInput:
    categories: list[str] | None = None
    root_causes: list[str] | None = None
    reopen_days: int | None = None
    detractor_follow_up: bool | None = None
    follow_up_category: str | None = None
    follow_up_survey_id: strawberry.ID | None = strawberry.UNSET
    resolution_survey_id: strawberry.ID | None = strawberry.UNSET
    purchase_survey_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="An ACTIVE survey sent automatically after each purchase; null stops it.",
    )
    business_hours: BusinessHoursInput | None = strawberry.UNSET


@strawberry.input
class SetSlaPolicyInput:
    severity: TicketSeverity
    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool = False


@strawberry.input
class TicketFilter:
    status: list[TicketStatus] | None = None
    severity: list[TicketSeverity] | None = None
    category: str | None = None
    channel: TicketChannel | None = None
    assignee: strawberry.ID | None = strawberry.field(
        default=None, description="A staff user's id."
    )
    unassigned: bool = False
    breached: bool | None = strawberry.field(
        default=None, description="Either clock breached (flagged, or running past due)."
    )
    customer: strawberry.ID | None = None
    store: strawberry.ID | None = strawberry.field(default=None, description="A store's id.")

    def to_spec(self) -> TicketFilterSpec:
        try:
            assignee = decode_id(self.assignee, "StaffUser") if self.assignee else None
            customer = decode_id(self.customer, "Customer") if self.customer else None
            store = decode_id(self.store, "Store") if self.store else None
        except BadGlobalId as exc:
            raise bad_input(str(exc)) from exc
        return TicketFilterSpec(
            status=[s.value for s in self.status] if self.status else None,
            severity=[s.value for s in self.severity] if self.severity else None,
            category=self.category,
            channel=self.channel.value if self.channel else None,
            assignee_id=assignee,
            unassigned=self.unassigned,
            breached=self.breached,
            customer_id=customer,
            store_id=store,
        )
