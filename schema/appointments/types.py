"""Bookable services, slots, appointments, the booking policy, priority holds, analytics.

Appointment and slot times are shown in the store's time zone (the offset says which)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from auth.context import Info
from resolvers.customers import loaders as customer_loaders
from resolvers.ids import to_global_id
from resolvers.stores import loaders
from schema.common import Edge, Node, PageInfo, edges, local_time
from schema.stores.types import StaffMemberType, StoreType, in_zone
from services.appointments.availability import Slot
from services.appointments.stats import Usage
from services.common.pagination import Page

if TYPE_CHECKING:
    from models.appointments import Appointment, BookableService, BookingPolicy, PriorityHold
    from models.stores import Store
    from schema.customers.types import CustomerType
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Appointment = object
    BookableService = object
    PriorityHold = object


@strawberry.enum
class AppointmentStatus(Enum):
    BOOKED = "BOOKED"
    CHECKED_IN = "CHECKED_IN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


@strawberry.type
class MemberPrice:
    tier: str
    price: Decimal


@strawberry.type(name="BookableService", description="A service customers book a slot for.")
class BookableServiceType(Node):
    code: str
    name: str
    duration_minutes: int
    buffer_minutes: int = strawberry.field(description="Blocks the staff member after the service.")
    price: Decimal
    member_prices: list[MemberPrice] = strawberry.field(description="What each tier pays.")
    skills: list[str] = strawberry.field(description="A staff member needs all of them.")
    active: bool
    model: strawberry.Private[BookableService]

    @classmethod
    def from_model(cls, s: BookableService) -> BookableServiceType:
        return cls(
            id=strawberry.ID(to_global_id("BookableService", s.id)),
            code=s.code,
            name=s.name,
            duration_minutes=s.duration_minutes,
            buffer_minutes=s.buffer_minutes,
            price=s.price,
            member_prices=[
                MemberPrice(tier=p["tier"], price=Decimal(p["price"]))
                for p in s.member_prices or []
            ],
            skills=list(s.skills or []),
            active=s.active,
            model=s,
        )


@strawberry.type
class TierWindow:
    tier: str
    days: int


@strawberry.type(name="BookingPolicy", description="The brand's booking rules.")
class BookingPolicyType(Node):
    slot_minutes: int = strawberry.field(description="The grid slots start on.")
    min_notice_minutes: int
    booking_window_days: int = strawberry.field(description="How far ahead anyone may book.")
    priority_window_days: int = strawberry.field(
        description="How far ahead tiers with priorityBooking may book."
    )
    tier_windows: list[TierWindow] = strawberry.field(description="A tier's own window.")
    priority_release_hours: int = strawberry.field(
        description="Held slots are released to everyone this long before they start."
    )
    late_cancel_hours: int
    late_cancel_penalty_points: int
    no_show_limit: int = strawberry.field(
        description="This many no-shows in noShowWindowDays suspend online booking (0: never)."
    )
    no_show_window_days: int
    no_show_penalty_points: int
    reminder_hours: int = strawberry.field(
        description="appointment.reminder_due is emitted this long before the start."
    )

    @classmethod
    def from_model(cls, p: BookingPolicy) -> BookingPolicyType:
        return cls(
            id=strawberry.ID(to_global_id("BookingPolicy", p.id)),
            slot_minutes=p.slot_minutes,
            min_notice_minutes=p.min_notice_minutes,
            booking_window_days=p.booking_window_days,
            priority_window_days=p.priority_window_days,
            tier_windows=[TierWindow(tier=w["tier"], days=int(w["days"])) for w in p.tier_windows],
            priority_release_hours=p.priority_release_hours,
            late_cancel_hours=p.late_cancel_hours,
            late_cancel_penalty_points=p.late_cancel_penalty_points,
            no_show_limit=p.no_show_limit,
            no_show_window_days=p.no_show_window_days,
            no_show_penalty_points=p.no_show_penalty_points,
            reminder_hours=p.reminder_hours,
        )


@strawberry.type(name="AvailableSlot", description="A free start time for a staff member.")
class AvailableSlotType:
    slot: strawberry.Private[Slot]
    brand_id: strawberry.Private[int]
    timezone: strawberry.Private[str]  # the store's

    @strawberry.field
    def staff_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("StaffMember", self.slot.staff_id))

    @strawberry.field
    async def staff_member(self, info: Info) -> StaffMemberType | None:
        found = await loaders.staff_by_id(info.context, self.brand_id, self.slot.staff_id)
        return StaffMemberType.from_model(found) if found else None

    @strawberry.field(description="In the store's time zone.")
    def starts_at(self) -> datetime:
        return in_zone(self.slot.starts_at, self.timezone)  # type: ignore[return-value]

    @strawberry.field(description="When the service ends (the buffer follows).")
    def ends_at(self) -> datetime:
        return in_zone(self.slot.ends_at, self.timezone)  # type: ignore[return-value]

    @strawberry.field(description="Held for tiers with priority booking (until released).")
    def priority_only(self) -> bool:
        return self.slot.priority_only


@strawberry.type(name="PriorityHold")
class PriorityHoldType(Node):
    model: strawberry.Private[PriorityHold]

    @classmethod
    def from_model(cls, h: PriorityHold) -> PriorityHoldType:
        return cls(id=strawberry.ID(to_global_id("PriorityHold", h.id)), model=h)

    @strawberry.field
    def staff_id(self) -> strawberry.ID | None:
        pk = self.model.staff_id
        return strawberry.ID(to_global_id("StaffMember", pk)) if pk else None

    @strawberry.field
    def starts_at(self, info: Info) -> datetime:
        return local_time(info, self.model.starts_at)

    @strawberry.field
    def ends_at(self, info: Info) -> datetime:
        return local_time(info, self.model.ends_at)


async def _store(info: Info, a: Appointment) -> Store | None:
    return await loaders.store_by_id(info.context, a.brand_id, a.store_id)


@strawberry.type(name="Appointment", description="A booked slot: customer, staff, service.")
class AppointmentType(Node):
    status: AppointmentStatus
    price: Decimal = strawberry.field(description="What the customer pays (member price).")
    tier: str | None = strawberry.field(description="The customer's tier when booked.")
    online: bool = strawberry.field(description="Booked with the customer's own token.")
    priority_slot: bool = strawberry.field(description="Took a slot held for priority tiers.")
    late_cancellation: bool
    penalty_points: int = strawberry.field(description="Points taken by the policy.")
    reschedules: int
    note: str
    model: strawberry.Private[Appointment]

    @classmethod
    def from_model(cls, a: Appointment) -> AppointmentType:
        return cls(
            id=strawberry.ID(to_global_id("Appointment", a.id)),
            status=AppointmentStatus(a.status),
            price=a.price,
            tier=a.tier,
            online=a.online,
            priority_slot=a.priority_slot,
            late_cancellation=a.late_cancellation,
            penalty_points=a.penalty_points,
            reschedules=a.reschedules,
            note=a.note,
            model=a,
        )

    async def _zone(self, info: Info) -> str:
        store = await _store(info, self.model)
        return store.timezone if store else "UTC"

    @strawberry.field(description="In the store's time zone.")
    async def starts_at(self, info: Info) -> datetime:
        return in_zone(self.model.starts_at, await self._zone(info))  # type: ignore[return-value]

    @strawberry.field(description="When the service ends, in the store's time zone.")
    async def ends_at(self, info: Info) -> datetime:
        return in_zone(self.model.ends_at, await self._zone(info))  # type: ignore[return-value]

    @strawberry.field
    async def store(self, info: Info) -> StoreType | None:
        found = await _store(info, self.model)
        return StoreType.from_model(found) if found else None

    @strawberry.field
    async def staff_member(self, info: Info) -> StaffMemberType | None:
        found = await loaders.staff_by_id(info.context, self.model.brand_id, self.model.staff_id)
        return StaffMemberType.from_model(found) if found else None

    @strawberry.field
    async def service(self, info: Info) -> BookableServiceType | None:
        found = await loaders.service_by_id(
            info.context, self.model.brand_id, self.model.service_id
        )
        return BookableServiceType.from_model(found) if found else None

    @strawberry.field
    async def customer(
        self, info: Info
    ) -> Annotated[CustomerType, strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.types import CustomerType

        found = await customer_loaders.customer_by_id(info.context, self.model.customer_id)
        return CustomerType.from_model(found) if found else None

    @strawberry.field(description="The purchase recorded when it was completed.")
    def purchase_id(self) -> strawberry.ID | None:
        pk = self.model.purchase_id
        return strawberry.ID(to_global_id("Purchase", pk)) if pk else None

    @strawberry.field
    def checked_in_at(self, info: Info) -> datetime | None:
        return local_time(info, self.model.checked_in_at) if self.model.checked_in_at else None

    @strawberry.field
    def completed_at(self, info: Info) -> datetime | None:
        return local_time(info, self.model.completed_at) if self.model.completed_at else None

    @strawberry.field
    def cancelled_at(self, info: Info) -> datetime | None:
        return local_time(info, self.model.cancelled_at) if self.model.cancelled_at else None

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)


@strawberry.type
class AppointmentConnection:
    edges: list[Edge[AppointmentType]]
    page_info: PageInfo
    count: strawberry.Private[object]

    @strawberry.field(description="All appointments matching the filter (one COUNT query).")
    async def total_count(self) -> int:
        return await self.count()  # type: ignore[operator,no-any-return]

    @classmethod
    def from_page(cls, page: Page[Appointment], count: object) -> AppointmentConnection:
        return cls(
            edges=edges(page, AppointmentType.from_model),
            page_info=PageInfo.from_page(page),
            count=count,
        )


@strawberry.type(description="Appointments of a store (staffMember null) or of one member there.")
class AppointmentUsage:
    usage: strawberry.Private[Usage]
    brand_id: strawberry.Private[int]

    @strawberry.field
    async def store(self, info: Info) -> StoreType | None:
        found = await loaders.store_by_id(info.context, self.brand_id, self.usage.store_id)
        return StoreType.from_model(found) if found else None

    @strawberry.field
    async def staff_member(self, info: Info) -> StaffMemberType | None:
        if self.usage.staff_id is None:
            return None
        found = await loaders.staff_by_id(info.context, self.brand_id, self.usage.staff_id)
        return StaffMemberType.from_model(found) if found else None

    @strawberry.field
    def appointments(self) -> int:
        return self.usage.appointments

    @strawberry.field
    def completed(self) -> int:
        return self.usage.completed

    @strawberry.field
    def no_shows(self) -> int:
        return self.usage.no_shows

    @strawberry.field
    def cancelled(self) -> int:
        return self.usage.cancelled

    @strawberry.field
    def late_cancellations(self) -> int:
        return self.usage.late_cancellations

    @strawberry.field(description="NO_SHOW / (COMPLETED + NO_SHOW), percent.")
    def no_show_rate(self) -> float | None:
        return self.usage.no_show_rate

    @strawberry.field(description="Service minutes booked (BOOKED, CHECKED_IN, COMPLETED).")
    def booked_minutes(self) -> int:
        return self.usage.booked_minutes

    @strawberry.field(description="Scheduled minutes within opening hours, less time off.")
    def scheduled_minutes(self) -> int:
        return self.usage.scheduled_minutes

    @strawberry.field(description="bookedMinutes / scheduledMinutes, percent.")
    def utilisation(self) -> float | None:
        return self.usage.utilisation


@strawberry.type(name="AppointmentStats")
class AppointmentStatsType:
    stores: list[AppointmentUsage]
    staff: list[AppointmentUsage]
