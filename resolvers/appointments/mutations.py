"""Appointment mutations: global ids decoded into payload errors, services called."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from services.appointments import booking, catalogue, holds, lifecycle
from services.appointments import policy as booking_policy
from services.appointments.booking import BookingSpec
from services.appointments.catalogue import ServiceSpec
from services.appointments.lifecycle import Completion

if TYPE_CHECKING:
    from models.appointments import Appointment, BookableService, BookingPolicy, PriorityHold


async def book(
    context: Context,
    store_id: str,
    service_id: str,
    staff_id: str,
    customer_id: str | None,
    starts_at: datetime,
    note: str,
    idempotency_key: str | None = None,
) -> MutationResult[Appointment]:
    async def operation() -> Appointment:
        spec = BookingSpec(
            store_id=decode_or_error(store_id, "Store", "storeId"),
            service_id=decode_or_error(service_id, "BookableService", "serviceId"),
            staff_id=decode_or_error(staff_id, "StaffMember", "staffId"),
            customer_id=decode_or_error(customer_id, "Customer", "customerId")
            if customer_id
            else None,
            starts_at=starts_at,
            note=note,
            idempotency_key=idempotency_key,
        )
        return await booking.book(context.actor, spec)

    return await run(operation())


def _appointment(global_id: str) -> int:
    return decode_or_error(global_id, "Appointment", "appointmentId")


async def reschedule(
    context: Context, appointment_id: str, starts_at: datetime, staff_id: str | None
) -> MutationResult[Appointment]:
    async def operation() -> Appointment:
        staff = decode_or_error(staff_id, "StaffMember", "staffId") if staff_id else None
        return await booking.reschedule(
            context.actor, _appointment(appointment_id), starts_at, staff
        )

    return await run(operation())


async def cancel(
    context: Context, appointment_id: str, waive_penalty: bool
) -> MutationResult[Appointment]:
    async def operation() -> Appointment:
        return await lifecycle.cancel(context.actor, _appointment(appointment_id), waive_penalty)

    return await run(operation())


async def check_in(context: Context, appointment_id: str) -> MutationResult[Appointment]:
    async def operation() -> Appointment:
        return await lifecycle.check_in(context.actor, _appointment(appointment_id))

    return await run(operation())


async def complete(
    context: Context, appointment_id: str, how: Completion
) -> MutationResult[Appointment]:
    async def operation() -> Appointment:
        return await lifecycle.complete(context.actor, _appointment(appointment_id), how)

    return await run(operation())


async def no_show(context: Context, appointment_id: str) -> MutationResult[Appointment]:
    async def operation() -> Appointment:
        return await lifecycle.mark_no_show(context.actor, _appointment(appointment_id))

    return await run(operation())


async def create_service(context: Context, spec: ServiceSpec) -> MutationResult[BookableService]:
    return await run(catalogue.create_service(context.actor, spec))


async def update_service(
    context: Context, service_id: str, spec: ServiceSpec
) -> MutationResult[BookableService]:
    async def operation() -> BookableService:
        pk = decode_or_error(service_id, "BookableService", "id")
        return await catalogue.update_service(context.actor, pk, replace(spec))

    return await run(operation())


async def configure(context: Context, changes: dict[str, object]) -> MutationResult[BookingPolicy]:
    return await run(booking_policy.set_policy(context.actor, changes))


async def create_hold(
    context: Context, store_id: str, staff_id: str | None, starts_at: datetime, ends_at: datetime
) -> MutationResult[PriorityHold]:
    async def operation() -> PriorityHold:
        store = decode_or_error(store_id, "Store", "storeId")
        staff = decode_or_error(staff_id, "StaffMember", "staffId") if staff_id else None
        return await holds.create_hold(context.actor, store, staff, starts_at, ends_at)

    return await run(operation())


async def remove_hold(context: Context, hold_id: str) -> MutationResult[int]:
    async def operation() -> int:
        pk = decode_or_error(hold_id, "PriorityHold", "id")
        return await holds.remove_hold(context.actor, pk)

    return await run(operation())
