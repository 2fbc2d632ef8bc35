from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from schema.appointments.types import AppointmentStatus
from services.appointments.catalogue import ServiceSpec
from services.appointments.query import AppointmentFilter as AppointmentFilterSpec


@strawberry.input
class BookAppointmentInput:
    store_id: strawberry.ID
    service_id: strawberry.ID
    staff_id: strawberry.ID
    starts_at: datetime = strawberry.field(description="A start returned by availableSlots.")
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for staff and partners; a customer books for itself."
    )
    note: str = ""
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A retry with the same key answers the appointment already booked (at most "
        "100 characters; another booking under a used key is IDEMPOTENCY_KEY_REUSED).",
    )


@strawberry.input
class RescheduleAppointmentInput:
    appointment_id: strawberry.ID
    starts_at: datetime
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="Another staff member (default: the same)."
    )


@strawberry.input
class CancelAppointmentInput:
    appointment_id: strawberry.ID
    waive_penalty: bool = strawberry.field(
        default=False, description="Staff only: no late-cancellation penalty."
    )


@strawberry.input
class AppointmentActionInput:
    appointment_id: strawberry.ID


@strawberry.input
class CompleteAppointmentInput:
    appointment_id: strawberry.ID
    record_purchase: bool = strawberry.field(
        default=False, description="Also record the sale (needs customers:write), once."
    )
    amount: Decimal | None = strawberry.field(default=None, description="Default: the price.")
    external_id: str | None = strawberry.field(
        default=None, description="The sale's external id (default: derived from the appointment)."
    )


@strawberry.input
class MemberPriceInput:
    tier: str
    price: Decimal


def _member_prices(items: list[MemberPriceInput] | None) -> list[tuple[str, Decimal]] | None:
    return None if items is None else [(i.tier, i.price) for i in items]


@strawberry.input
class CreateBookableServiceInput:
    code: str
    name: str
    duration_minutes: int
    buffer_minutes: int = 0
    price: Decimal
    member_prices: list[MemberPriceInput] = strawberry.field(default_factory=list)
    skills: list[str] = strawberry.field(default_factory=list)

    def to_spec(self) -> ServiceSpec:
        return ServiceSpec(
            code=self.code,
            name=self.name,
            duration_minutes=self.duration_minutes,
            buffer_minutes=self.buffer_minutes,
            price=self.price,
            member_prices=_member_prices(self.member_prices),
            skills=self.skills,
            active=True,
        )


@strawberry.input(description="Only the fields given are changed; lists replace the old ones.")
class UpdateBookableServiceInput:
    id: strawberry.ID
    code: str | None = None
    name: str | None = None
    duration_minutes: int | None = None
    buffer_minutes: int | None = None
    price: Decimal | None = None
    member_prices: list[MemberPriceInput] | None = None
    skills: list[str] | None = None
    active: bool | None = None

    def to_spec(self) -> ServiceSpec:
        return ServiceSpec(
            code=self.code,
            name=self.name,
            duration_minutes=self.duration_minutes,
            buffer_minutes=self.buffer_minutes,
            price=self.price,
            member_prices=_member_prices(self.member_prices),
            skills=self.skills,
            active=self.active,
        )


@strawberry.input
class TierWindowInput:
    tier: str
    days: int


@strawberry.input(description="Only the fields given are changed.")
class ConfigureBookingInput:
    slot_minutes: int | None = None
    min_notice_minutes: int | None = None
    booking_window_days: int | None = None
    priority_window_days: int | None = None
    tier_windows: list[TierWindowInput] | None = None
    priority_release_hours: int | None = None
    late_cancel_hours: int | None = None
    late_cancel_penalty_points: int | None = None
    no_show_limit: int | None = None
    no_show_window_days: int | None = None
    no_show_penalty_points: int | None = None
    reminder_hours: int | None = None

    def changes(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for key in (
            "slot_minutes",
            "min_notice_minutes",
            "booking_window_days",
            "priority_window_days",
            "priority_release_hours",
            "late_cancel_hours",
            "late_cancel_penalty_points",
            "no_show_limit",
            "no_show_window_days",
            "no_show_penalty_points",
            "reminder_hours",
        ):
            value = getattr(self, key)
            if value is not None:
                values[key] = value
        if self.tier_windows is not None:
            values["tier_windows"] = [(w.tier, w.days) for w in self.tier_windows]
        return values


@strawberry.input
class CreatePriorityHoldInput:
    store_id: strawberry.ID
    staff_id: strawberry.ID | None = strawberry.field(
        default=None, description="One staff member (default: everyone in the store)."
    )
    starts_at: datetime
    ends_at: datetime


@strawberry.input
class RemovePriorityHoldInput:
    id: strawberry.ID


def _decode(value: strawberry.ID | None, type_name: str) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, type_name)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc


@strawberry.input(description="Appointments starting in [from, to) (at most 366 days).")
class AppointmentFilter:
    store_id: strawberry.ID | None = None
    staff_id: strawberry.ID | None = None
    customer_id: strawberry.ID | None = None
    service_id: strawberry.ID | None = None
    status: list[AppointmentStatus] | None = None
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None

    def to_spec(self) -> AppointmentFilterSpec:
        return AppointmentFilterSpec(
            store_id=_decode(self.store_id, "Store"),
            staff_id=_decode(self.staff_id, "StaffMember"),
            customer_id=_decode(self.customer_id, "Customer"),
            service_id=_decode(self.service_id, "BookableService"),
            status=[s.value for s in self.status] if self.status else None,
            frm=self.from_,
            to=self.to,
        )
