"""Appointment mutations: booking and its life cycle, the catalogue, the policy, holds."""

from __future__ import annotations

import strawberry
from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.appointments import mutations
from resolvers.ids import to_global_id
from resolvers.results import MutationResult
from schema.appointments.inputs import (
    AppointmentActionInput,
    BookAppointmentInput,
    CancelAppointmentInput,
    CompleteAppointmentInput,
    ConfigureBookingInput,
    CreateBookableServiceInput,
    CreatePriorityHoldInput,
    RemovePriorityHoldInput,
    RescheduleAppointmentInput,
    UpdateBookableServiceInput,
)
from schema.appointments.types import (
    AppointmentType,
    BookableServiceType,
    BookingPolicyType,
    PriorityHoldType,
)
from schema.common import UserError, user_errors
from services.appointments.lifecycle import Completion

# A customer token books, reschedules and cancels its own appointments.
OWN = scope_or_customer(Scope.APPOINTMENTS_WRITE)
STAFF = requires(Scope.APPOINTMENTS_WRITE)
CATALOGUE = requires(Scope.STORES_WRITE)


@strawberry.type
class AppointmentPayload:
    appointment: AppointmentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BookableServicePayload:
    service: BookableServiceType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BookingPolicyPayload:
    policy: BookingPolicyType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PriorityHoldPayload:
    hold: PriorityHoldType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RemovePriorityHoldPayload:
    removed_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _payload(result: MutationResult) -> AppointmentPayload:  # type: ignore[type-arg]
    found = AppointmentType.from_model(result.value) if result.value else None
    return AppointmentPayload(appointment=found, errors=user_errors(result.errors))


def _service(result: MutationResult) -> BookableServicePayload:  # type: ignore[type-arg]
    found = BookableServiceType.from_model(result.value) if result.value else None
    return BookableServicePayload(
        service=found, errors=user_errors(result.errors, related_type="BookableService")
    )


@strawberry.type
class AppointmentMutations:
    @strawberry.mutation(
        extensions=OWN,
        description="The database refuses a second booking of an overlapping time for the "
        "staff member: SLOT_TAKEN. Also SLOT_UNAVAILABLE, OUTSIDE_BOOKING_WINDOW, "
        "PRIORITY_ONLY, BOOKING_SUSPENDED (online).",
    )
    async def book_appointment(self, info: Info, input: BookAppointmentInput) -> AppointmentPayload:
        return _payload(
            await mutations.book(
                info.context,
                input.store_id,
                input.service_id,
                input.staff_id,
                input.customer_id,
                input.starts_at,
                input.note,
                input.idempotency_key,
            )
        )

    @strawberry.mutation(
        extensions=OWN,
        description="Moves a BOOKED appointment; it keeps its old slot until the new one is "
        "held (a refused move changes nothing).",
    )
    async def reschedule_appointment(
        self, info: Info, input: RescheduleAppointmentInput
    ) -> AppointmentPayload:
        return _payload(
            await mutations.reschedule(
                info.context, input.appointment_id, input.starts_at, input.staff_id
            )
        )

    @strawberry.mutation(extensions=OWN, description="Late cancellations follow the policy.")
    async def cancel_appointment(
        self, info: Info, input: CancelAppointmentInput
    ) -> AppointmentPayload:
        return _payload(
            await mutations.cancel(info.context, input.appointment_id, input.waive_penalty)
        )

    @strawberry.mutation(extensions=STAFF)
    async def check_in_appointment(
        self, info: Info, input: AppointmentActionInput
    ) -> AppointmentPayload:
        return _payload(await mutations.check_in(info.context, input.appointment_id))

    @strawberry.mutation(
        extensions=STAFF, description="After the start; can record the purchase (once)."
    )
    async def complete_appointment(
        self, info: Info, input: CompleteAppointmentInput
    ) -> AppointmentPayload:
        principal = info.context.principal
        if input.record_purchase and not (principal and principal.has("customers:write")):
            raise StrawberryGraphQLError(
                "recording the purchase requires scope customers:write",
                extensions={"code": "FORBIDDEN"},
            )
        how = Completion(input.record_purchase, input.amount, input.external_id)
        return _payload(await mutations.complete(info.context, input.appointment_id, how))

    @strawberry.mutation(extensions=STAFF, description="After the start; the no-show policy.")
    async def mark_no_show(self, info: Info, input: AppointmentActionInput) -> AppointmentPayload:
        return _payload(await mutations.no_show(info.context, input.appointment_id))

    @strawberry.mutation(extensions=CATALOGUE)
    async def create_bookable_service(
        self, info: Info, input: CreateBookableServiceInput
    ) -> BookableServicePayload:
        return _service(await mutations.create_service(info.context, input.to_spec()))

    @strawberry.mutation(extensions=CATALOGUE, description="Booked prices and times are kept.")
    async def update_bookable_service(
        self, info: Info, input: UpdateBookableServiceInput
    ) -> BookableServicePayload:
        return _service(await mutations.update_service(info.context, input.id, input.to_spec()))

    @strawberry.mutation(extensions=requires(Scope.ADMIN))
    async def configure_booking(
        self, info: Info, input: ConfigureBookingInput
    ) -> BookingPolicyPayload:
        result = await mutations.configure(info.context, input.changes())
        found = BookingPolicyType.from_model(result.value) if result.value else None
        return BookingPolicyPayload(policy=found, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=CATALOGUE, description="Slots held for priority tiers.")
    async def create_priority_hold(
        self, info: Info, input: CreatePriorityHoldInput
    ) -> PriorityHoldPayload:
        result = await mutations.create_hold(
            info.context, input.store_id, input.staff_id, input.starts_at, input.ends_at
        )
        found = PriorityHoldType.from_model(result.value) if result.value else None
        return PriorityHoldPayload(hold=found, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=CATALOGUE)
    async def remove_priority_hold(
        self, info: Info, input: RemovePriorityHoldInput
    ) -> RemovePriorityHoldPayload:
        result = await mutations.remove_hold(info.context, input.id)
        removed = (
            strawberry.ID(to_global_id("PriorityHold", result.value)) if result.value else None
        )
        return RemovePriorityHoldPayload(removed_id=removed, errors=user_errors(result.errors))
