"""Appointments in a data export (each visit: where, what, with whom, when, its state) and an
erasure (notes go; booked visits still ahead are cancelled so the slots free up; past visits
keep their figures for the stores' reports)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from models import Customer
from models.appointments import Appointment, BookableService
from models.stores import StaffMember, Store
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, paged, section


async def _names(model: Any, ids: set[int], column: str) -> dict[int, str]:
    return dict(await model.filter(id__in=list(ids)).values_list("id", column))


@section("appointments", description="Appointments: store, service, staff, time, state, price.")
async def _appointments(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[Appointment]) -> list[dict[str, Any]]:
        stores = await _names(Store, {a.store_id for a in rows}, "code")
        services = await _names(BookableService, {a.service_id for a in rows}, "name")
        staff = await _names(StaffMember, {a.staff_id for a in rows}, "name")
        return [
            {
                "store": stores.get(a.store_id),
                "service": services.get(a.service_id),
                "staff": staff.get(a.staff_id),
                "status": a.status,
                "startsAt": iso(a.starts_at),
                "endsAt": iso(a.ends_at),
                "price": a.price,
                "online": a.online,
                "note": a.note,
                "bookedAt": iso(a.created_at),
                "checkedInAt": iso(a.checked_in_at),
                "completedAt": iso(a.completed_at),
                "cancelledAt": iso(a.cancelled_at),
            }
            for a in rows
        ]

    query = Appointment.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("appointments")
async def _erase(actor: Actor, customer: Customer) -> None:
    mine = Appointment.filter(brand_id=customer.brand_id, customer_id=customer.id)
    now = datetime.now(UTC)
    await mine.filter(status="BOOKED", starts_at__gt=now).update(
        status="CANCELLED", holds_slot=False, cancelled_at=now
    )
    await mine.update(note="")
