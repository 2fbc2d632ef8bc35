"""Booking and rescheduling. Whether a slot is free is decided by the database, never by a
read before the write: the insert (or the update of a reschedule) is refused by the
exclusion constraint (PostgreSQL) or the trigger (SQLite), and that refusal is SLOT_TAKEN.
A reschedule updates the appointment in place, so it keeps its old slot until the new one
is held: a refused move leaves it as it was."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Customer
from models.appointments import Appointment, BookableService, BookingPolicy
from models.stores import StaffMember, Store
from services.appointments import availability
from services.appointments import merge as appointment_merge
from services.appointments.availability import Bookable, Slot, utcnow
from services.appointments.catalogue import price_for
from services.appointments.policy import Standing, customer_standing, get_policy
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode

appointment_merge.register()
MAX_NOTE = 500
MAX_KEY = 100


@dataclass(frozen=True)
class BookingSpec:
    store_id: int
    service_id: int
    staff_id: int
    customer_id: int | None
    starts_at: datetime
    note: str = ""
    idempotency_key: str | None = None


def is_overlap(exc: IntegrityError) -> bool:
    text = str(exc)
    return "appointments_no_overlap" in text or "SLOT_TAKEN" in text


def slot_taken() -> DomainError:
    return DomainError.single(
        "startsAt", ErrorCode.SLOT_TAKEN, "the staff member is already booked at that time"
    )


async def load_bookable(brand_id: int, store_id: int, service_id: int, staff_id: int) -> Bookable:
    store = await Store.get_or_none(brand_id=brand_id, id=store_id)
    if store is None:
        raise DomainError.single("storeId", ErrorCode.NOT_FOUND, "store not found")
    service = await BookableService.get_or_none(brand_id=brand_id, id=service_id)
    if service is None:
        raise DomainError.single("serviceId", ErrorCode.NOT_FOUND, "service not found")
    bookable = await availability.bookable_staff(store, service, staff_id)
    if not bookable.assignments:
        if not await StaffMember.exists(brand_id=brand_id, id=staff_id):
            raise DomainError.single("staffId", ErrorCode.NOT_FOUND, "staff member not found")
        raise DomainError.single(
            "staffId",
            ErrorCode.NOT_ELIGIBLE,
            "the staff member does not perform this service in this store",
        )
    return bookable


async def check_slot(
    bookable: Bookable,
    policy: BookingPolicy,
    start: datetime,
    now: datetime,
    standing: Standing,
) -> Slot:
    """The slot at `start`, if the calendar and the customer's tier allow it (appointments
    aside: the database decides those)."""
    if start < now + timedelta(minutes=policy.min_notice_minutes):
        raise DomainError.single(
            "startsAt", ErrorCode.SLOT_UNAVAILABLE, "that time is past or too soon to book"
        )
    if start > standing.window_end(now):
        raise DomainError.single(
            "startsAt",
            ErrorCode.OUTSIDE_BOOKING_WINDOW,
            f"{standing.tier or 'non-members'} may book {standing.window_days} days ahead",
        )
    found = await availability.find_slots(
        bookable, policy, start, start + timedelta(microseconds=1), now, None, 1000, False
    )
    staff_id = bookable.assignments[0].staff_id
    slot = next((s for s in found if s.staff_id == staff_id and s.starts_at == start), None)
    if slot is None:
        raise DomainError.single(
            "startsAt",
            ErrorCode.SLOT_UNAVAILABLE,
            "not a slot of this staff member: closed, off, or not on the booking grid",
        )
    if slot.priority_only and not standing.priority:
        raise DomainError.single(
            "startsAt", ErrorCode.PRIORITY_ONLY, "this slot is held for priority tiers"
        )
    return slot


async def check_not_suspended(policy: BookingPolicy, brand_id: int, customer_id: int) -> None:
    """Online booking stops after `noShowLimit` no-shows in `noShowWindowDays`."""
    if policy.no_show_limit <= 0:
        return
    since = utcnow() - timedelta(days=policy.no_show_window_days)
    count = await Appointment.filter(
        brand_id=brand_id, customer_id=customer_id, status="NO_SHOW", starts_at__gte=since
    ).count()
    if count >= policy.no_show_limit:
        raise DomainError.single(
            "customerId",
            ErrorCode.BOOKING_SUSPENDED,
            f"online booking is suspended after {count} no-shows; please contact the store",
        )


def own_customer(actor: Actor, customer_id: int | None) -> int:
    """The customer booked for: a customer token books for itself only."""
    if actor.kind == "customer":
        own = int(actor.subject)
        if customer_id is not None and customer_id != own:
            raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
        return own
    if customer_id is None:
        raise DomainError.single("customerId", ErrorCode.REQUIRED, "customerId is required")
    return customer_id


def event_payload(a: Appointment, **extra: Any) -> dict[str, Any]:
    return {
        "store": a.store_id,
        "staff": a.staff_id,
        "service": a.service_id,
        "status": a.status,
        "startsAt": a.starts_at.isoformat(),
        **extra,
    }


async def _booked_before(actor: Actor, spec: BookingSpec, customer_id: int) -> Appointment | None:
    """The appointment an earlier call with the same key made, if it was this booking."""
    if spec.idempotency_key is None:
        return None
    found = await Appointment.get_or_none(
        brand_id=actor.brand_id, idempotency_key=spec.idempotency_key
    )
    if found is None:
        return None
    same = (found.customer_id, found.staff_id, found.service_id, found.store_id) == (
        customer_id,
        spec.staff_id,
        spec.service_id,
        spec.store_id,
    )
    if not same or found.starts_at != spec.starts_at:
        raise DomainError.single(
            "idempotencyKey",
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "this key booked another appointment",
        )
    return found


async def book(actor: Actor, spec: BookingSpec) -> Appointment:
    customer_id = own_customer(actor, spec.customer_id)
    if len(spec.note) > MAX_NOTE:
        raise DomainError.single("note", ErrorCode.TOO_LONG, f"at most {MAX_NOTE} characters")
    key = spec.idempotency_key
    if key is not None and not 0 < len(key) <= MAX_KEY:
        raise DomainError.single("idempotencyKey", ErrorCode.INVALID, f"1 to {MAX_KEY} characters")
    if (earlier := await _booked_before(actor, spec, customer_id)) is not None:
        return earlier
    if spec.starts_at.tzinfo is None:
        raise DomainError.single("startsAt", ErrorCode.INVALID, "startsAt needs a UTC offset")
    bookable = await load_bookable(actor.brand_id, spec.store_id, spec.service_id, spec.staff_id)
    if not await Customer.exists(brand_id=actor.brand_id, id=customer_id):
        raise DomainError.single("customerId", ErrorCode.NOT_FOUND, "customer not found")
    policy = await get_policy(actor.brand_id)
    online = actor.kind == "customer"
    if online:
        await check_not_suspended(policy, actor.brand_id, customer_id)
    now = utcnow()
    standing = await customer_standing(policy, actor.brand_id, customer_id)
    slot = await check_slot(bookable, policy, spec.starts_at, now, standing)
    service = bookable.service
    try:
        async with in_transaction():
            appointment = await Appointment.create(
                brand_id=actor.brand_id,
                store_id=bookable.store.id,
                staff_id=spec.staff_id,
                service_id=service.id,
                customer_id=customer_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                blocks_until=slot.ends_at + timedelta(minutes=service.buffer_minutes),
                price=price_for(service, standing.tier),
                tier=standing.tier,
                online=online,
                priority_slot=slot.priority_only,
                note=spec.note.strip(),
                idempotency_key=key,
            )
            await audit.record(
                actor, "bookAppointment", "Appointment", appointment.id, {"customer": customer_id}
            )
            await emit(
                actor,
                "appointment.booked",
                customer_id=customer_id,
                subject=("Appointment", appointment.id),
                payload=event_payload(appointment, price=str(appointment.price)),
            )
    except IntegrityError as exc:
        if key is not None and (earlier := await _booked_before(actor, spec, customer_id)):
            return earlier  # a concurrent call with the same key won
        if is_overlap(exc):
            raise slot_taken() from None
        raise
    return appointment


async def lock_appointment(actor: Actor, appointment_id: int) -> Appointment:
    """The appointment, row-locked; a customer token's own appointments only."""
    found = await Appointment.select_for_update().get_or_none(
        brand_id=actor.brand_id, id=appointment_id
    )
    if found is None or (actor.kind == "customer" and str(found.customer_id) != actor.subject):
        raise DomainError.single("appointmentId", ErrorCode.NOT_FOUND, "appointment not found")
    return found


def require_status(appointment: Appointment, allowed: tuple[str, ...], action: str) -> None:
    if appointment.status not in allowed:
        raise DomainError.single(
            "appointmentId",
            ErrorCode.INVALID_TRANSITION,
            f"a {appointment.status} appointment cannot be {action}",
        )


async def reschedule(
    actor: Actor, appointment_id: int, starts_at: datetime, staff_id: int | None
) -> Appointment:
    if starts_at.tzinfo is None:
        raise DomainError.single("startsAt", ErrorCode.INVALID, "startsAt needs a UTC offset")
    try:
        async with in_transaction():
            appointment = await lock_appointment(actor, appointment_id)
            require_status(appointment, ("BOOKED",), "rescheduled")
            policy = await get_policy(actor.brand_id)
            now = utcnow()
            late = appointment.starts_at - timedelta(hours=policy.late_cancel_hours)
            if actor.kind == "customer" and now > late:
                raise DomainError.single(
                    "appointmentId",
                    ErrorCode.LATE_CHANGE,
                    f"changes close {policy.late_cancel_hours} hours before the start",
                )
            staff = staff_id if staff_id is not None else appointment.staff_id
            bookable = await load_bookable(
                actor.brand_id, appointment.store_id, appointment.service_id, staff
            )
            standing = await customer_standing(policy, actor.brand_id, appointment.customer_id)
            slot = await check_slot(bookable, policy, starts_at, now, standing)
            before = {"startsAt": appointment.starts_at.isoformat(), "staff": appointment.staff_id}
            buffer = timedelta(minutes=bookable.service.buffer_minutes)
            appointment.staff_id = staff
            appointment.starts_at, appointment.ends_at = slot.starts_at, slot.ends_at
            appointment.blocks_until = slot.ends_at + buffer
            appointment.priority_slot = slot.priority_only
            appointment.reminder_sent_at = None
            appointment.reschedules += 1
            await appointment.save()  # the database checks the new slot here
            await audit.record(
                actor, "rescheduleAppointment", "Appointment", appointment.id, before
            )
            await emit(
                actor,
                "appointment.rescheduled",
                customer_id=appointment.customer_id,
                subject=("Appointment", appointment.id),
                payload=event_payload(appointment, previous=before),
            )
    except IntegrityError as exc:
        if is_overlap(exc):
            raise slot_taken() from None
        raise
    return appointment
