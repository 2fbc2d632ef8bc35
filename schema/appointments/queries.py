"""Appointment queries: slots, a store's or staff member's day, services, policy, analytics."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.appointments import queries
from resolvers.stores.loaders import store_by_id
from schema.appointments.inputs import AppointmentFilter
from schema.appointments.types import (
    AppointmentConnection,
    AppointmentStatsType,
    AppointmentType,
    AppointmentUsage,
    AvailableSlotType,
    BookableServiceType,
    BookingPolicyType,
    PriorityHoldType,
)
from schema.common import Edge, PageInfo, edges
from services.common.pagination import PageRequest

READ_OR_CUSTOMER = scope_or_customer(Scope.APPOINTMENTS_READ)
READ = requires(Scope.APPOINTMENTS_READ)


@strawberry.type
class BookableServiceConnection:
    edges: list[Edge[BookableServiceType]]
    page_info: PageInfo


@strawberry.type
class AppointmentQueries:
    @strawberry.field(
        extensions=READ_OR_CUSTOMER,
        description="Free slots in [from, to) (at most 31 days), soonest first, at most `first` "
        "(1-500). Without staffId, every qualified staff member's. A customer token (or "
        "customerId) applies that customer's booking window and priority access; otherwise "
        "held slots are flagged priorityOnly.",
    )
    async def available_slots(
        self,
        info: Info,
        store_id: strawberry.ID,
        service_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        staff_id: strawberry.ID | None = None,
        customer_id: strawberry.ID | None = None,
        first: int = 100,
    ) -> list[AvailableSlotType]:
        slots = await queries.available_slots(
            info.context, store_id, service_id, staff_id, from_, to, customer_id, first
        )
        if not slots:
            return []
        brand_id = info.context.require_brand().id
        store = await store_by_id(info.context, brand_id, _pk(store_id))
        assert store is not None
        return [
            AvailableSlotType(slot=s, brand_id=store.brand_id, timezone=store.timezone)
            for s in slots
        ]

    @strawberry.field(extensions=READ_OR_CUSTOMER, description="A customer sees their own.")
    async def appointment(self, info: Info, id: strawberry.ID) -> AppointmentType | None:
        found = await queries.appointment(info.context, id)
        return AppointmentType.from_model(found) if found else None

    @strawberry.field(
        extensions=READ_OR_CUSTOMER,
        description="Soonest first, keyset-paginated: e.g. a store's or staff member's day. "
        "A customer token lists its own.",
    )
    async def appointments(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: AppointmentFilter | None = None,
    ) -> AppointmentConnection:
        spec = (filter or AppointmentFilter()).to_spec()
        page = await queries.appointments(info.context, spec, PageRequest(first=first, after=after))

        async def count() -> int:
            return await queries.appointments_count(info.context, spec)

        return AppointmentConnection.from_page(page, count)

    @strawberry.field(extensions=scope_or_customer(Scope.STORES_READ), description="By code.")
    async def bookable_services(
        self,
        info: Info,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> BookableServiceConnection:
        page = await queries.bookable_services(
            info.context, active, PageRequest(first=first, after=after)
        )
        return BookableServiceConnection(
            edges=edges(page, BookableServiceType.from_model), page_info=PageInfo.from_page(page)
        )

    @strawberry.field(extensions=scope_or_customer(Scope.STORES_READ))
    async def booking_policy(self, info: Info) -> BookingPolicyType:
        return BookingPolicyType.from_model(await queries.policy(info.context))

    @strawberry.field(extensions=READ, description="Holds overlapping [from, to), at most 500.")
    async def priority_holds(
        self,
        info: Info,
        store_id: strawberry.ID,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[PriorityHoldType]:
        rows = await queries.priority_holds(info.context, store_id, from_, to)
        return [PriorityHoldType.from_model(h) for h in rows]

    @strawberry.field(
        extensions=READ,
        description="No-show rate and utilisation per store and staff member, over "
        "appointments starting in [from, to) (at most 93 days).",
    )
    async def appointment_stats(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
        store_id: strawberry.ID | None = None,
    ) -> AppointmentStatsType:
        found = await queries.appointment_stats(info.context, from_, to, store_id)
        brand_id = info.context.require_brand().id
        return AppointmentStatsType(
            stores=[AppointmentUsage(usage=u, brand_id=brand_id) for u in found.stores],
            staff=[AppointmentUsage(usage=u, brand_id=brand_id) for u in found.staff],
        )


def _pk(global_id: str) -> int:
    return queries.decode_query_id(global_id, "Store")
