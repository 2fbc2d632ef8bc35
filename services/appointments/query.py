"""Listing appointments: a store's or a staff member's day, a customer's bookings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.queryset import QuerySet

from models.appointments import Appointment
from services.common.pagination import Page, PageRequest, paginate

STATUSES = ("BOOKED", "CHECKED_IN", "COMPLETED", "CANCELLED", "NO_SHOW")
MAX_RANGE = timedelta(days=366)


@dataclass(frozen=True)
class AppointmentFilter:
    store_id: int | None = None
    staff_id: int | None = None
    customer_id: int | None = None
    service_id: int | None = None
    status: list[str] | None = None
    frm: datetime | None = None  # appointments starting in [frm, to)
    to: datetime | None = None


class FilterError(ValueError):
    pass


def check(spec: AppointmentFilter) -> None:
    if spec.frm is not None and spec.to is not None:
        if spec.frm >= spec.to:
            raise FilterError("`from` must be before `to`")
        if spec.to - spec.frm > MAX_RANGE:
            raise FilterError(f"at most {MAX_RANGE.days} days at once")


def filtered(brand_id: int, spec: AppointmentFilter) -> QuerySet[Appointment]:
    query = Appointment.filter(brand_id=brand_id)
    for key in ("store_id", "staff_id", "customer_id", "service_id"):
        value = getattr(spec, key)
        if value is not None:
            query = query.filter(**{key: value})
    if spec.status:
        query = query.filter(status__in=spec.status)
    if spec.frm is not None:
        query = query.filter(starts_at__gte=spec.frm)
    if spec.to is not None:
        query = query.filter(starts_at__lt=spec.to)
    return query


async def list_appointments(
    brand_id: int, spec: AppointmentFilter, page: PageRequest
) -> Page[Appointment]:
    """Soonest first (a day's board reads top to bottom); keyset-paginated."""
    check(spec)
    return await paginate(filtered(brand_id, spec), "starts_at", False, page, is_datetime=True)


async def count_appointments(brand_id: int, spec: AppointmentFilter) -> int:
    return await filtered(brand_id, spec).count()


async def appointment_in_brand(brand_id: int, appointment_id: int) -> Appointment | None:
    return await Appointment.get_or_none(brand_id=brand_id, id=appointment_id)
