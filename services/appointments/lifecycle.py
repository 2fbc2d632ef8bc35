"""The appointment state machine after booking: cancel, check in, complete, no-show.

    BOOKED -> CHECKED_IN -> COMPLETED
    BOOKED -> COMPLETED | CANCELLED | NO_SHOW

Anything else is INVALID_TRANSITION. A cancelled or missed appointment gives its slot back.
Penalties (late cancellation, no-show) go through the points ledger, idempotently, and take
at most the member's available points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, Membership
from models.appointments import Appointment, BookableService
from services.appointments.availability import utcnow
from services.appointments.booking import event_payload, lock_appointment, require_status
from services.appointments.policy import get_policy
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.loyalty import memberships, points
from services.loyalty.purchases import ItemSpec, record_purchase
from services.stores.refs import StoreRef


async def _penalise(actor: Actor, a: Appointment, wanted: int, kind: str) -> int:
    """Take up to `wanted` points (never below zero); inside the caller's transaction."""
    if wanted <= 0:
        return 0
    if not await Membership.exists(brand_id=a.brand_id, customer_id=a.customer_id):
        return 0
    member = await memberships.enroll_locked(actor, a.customer_id)
    take = min(wanted, member.available)
    if take <= 0:
        return 0
    reason = f"{kind} penalty, appointment {a.id}"
    key = f"appointment:{a.id}:{kind}"
    await points.adjust_points(actor, a.customer_id, -take, reason, key)
    return take


async def _lock(actor: Actor, appointment_id: int) -> Appointment:
    """The customer's row, then the appointment: the order a merge of customers locks in
    (customers, then their appointments), so a penalty and a merge cannot deadlock."""
    found = await Appointment.get_or_none(brand_id=actor.brand_id, id=appointment_id)
    if found is not None:
        await memberships.lock_customer_row(actor.brand_id, found.customer_id, "appointmentId")
    return await lock_appointment(actor, appointment_id)


async def _finish(
    actor: Actor, a: Appointment, operation: str, event: str, **extra: object
) -> None:
    await a.save()
    await audit.record(actor, operation, "Appointment", a.id, {"status": a.status, **extra})
    await emit(
        actor,
        event,
        customer_id=a.customer_id,
        subject=("Appointment", a.id),
        payload=event_payload(a, **extra),
    )


async def cancel(actor: Actor, appointment_id: int, waive_penalty: bool) -> Appointment:
    """Inside `lateCancelHours` of the start it is a late cancellation: flagged, and charged
    `lateCancelPenaltyPoints` unless staff waive it (a customer cannot). A customer cannot
    cancel once the appointment has started."""
    async with in_transaction():
        a = await _lock(actor, appointment_id)
        require_status(a, ("BOOKED",), "cancelled")
        now = utcnow()
        customer = actor.kind == "customer"
        if customer and now >= a.starts_at:
            raise DomainError.single(
                "appointmentId", ErrorCode.INVALID_TRANSITION, "the appointment has started"
            )
        policy = await get_policy(actor.brand_id)
        a.late_cancellation = now > a.starts_at - timedelta(hours=policy.late_cancel_hours)
        if a.late_cancellation and not (waive_penalty and not customer):
            a.penalty_points += await _penalise(
                actor, a, policy.late_cancel_penalty_points, "late-cancellation"
            )
        a.status, a.holds_slot, a.cancelled_at = "CANCELLED", False, now
        await _finish(
            actor,
            a,
            "cancelAppointment",
            "appointment.cancelled",
            late=a.late_cancellation,
            penaltyPoints=a.penalty_points,
        )
    return a


async def check_in(actor: Actor, appointment_id: int) -> Appointment:
    async with in_transaction():
        a = await lock_appointment(actor, appointment_id)
        require_status(a, ("BOOKED",), "checked in")
        a.status, a.checked_in_at = "CHECKED_IN", utcnow()
        await _finish(actor, a, "checkInAppointment", "appointment.checked_in")
    return a


@dataclass(frozen=True)
class Completion:
    record_purchase: bool = False
    amount: Decimal | None = None  # default: the price booked
    external_id: str | None = None


async def complete(actor: Actor, appointment_id: int, how: Completion) -> Appointment:
    """Completes after the start; with `record_purchase`, records the sale (once: its
    external id is the appointment's, unless given) with the service as its item."""
    async with in_transaction():
        a = await _lock(actor, appointment_id)
        require_status(a, ("BOOKED", "CHECKED_IN"), "completed")
        now = utcnow()
        if now < a.starts_at:
            raise DomainError.single(
                "appointmentId", ErrorCode.INVALID_TRANSITION, "the appointment has not started"
            )
        if how.record_purchase:
            amount = a.price if how.amount is None else how.amount
            service = await BookableService.get(id=a.service_id)
            item = ItemSpec(service.code, service.name, "SERVICE", 1, amount)
            result = await record_purchase(
                actor,
                await Brand.get(id=a.brand_id),
                a.customer_id,
                amount,
                [item],
                StoreRef(pk=a.store_id),
                "STORE",
                now,
                how.external_id or f"appointment:{a.id}",
            )
            a.purchase_id = result.purchase.id
        a.status, a.completed_at = "COMPLETED", now
        await _finish(
            actor, a, "completeAppointment", "appointment.completed", purchase=a.purchase_id
        )
    return a


async def mark_no_show(actor: Actor, appointment_id: int) -> Appointment:
    """After the start only; charges `noShowPenaltyPoints`. Enough no-shows suspend online
    booking (booking.check_not_suspended)."""
    async with in_transaction():
        a = await _lock(actor, appointment_id)
        require_status(a, ("BOOKED",), "marked as a no-show")
        now = utcnow()
        if now < a.starts_at:
            raise DomainError.single(
                "appointmentId", ErrorCode.INVALID_TRANSITION, "the appointment has not started"
            )
        policy = await get_policy(actor.brand_id)
        a.penalty_points += await _penalise(actor, a, policy.no_show_penalty_points, "no-show")
        a.status, a.holds_slot = "NO_SHOW", False
        await _finish(actor, a, "markNoShow", "appointment.no_show", penaltyPoints=a.penalty_points)
    return a
