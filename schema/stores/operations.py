"""Store and staff queries and mutations."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated

import strawberry

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.stores import mutations, queries
from resolvers.stores.loaders import store_by_id
from schema.common import UserError, user_errors
from schema.stores.inputs import (
    AddStaffTimeOffInput,
    AssignStaffInput,
    CreateStaffMemberInput,
    CreateStoreInput,
    RemoveStaffTimeOffInput,
    StoreFilter,
    UnassignStaffInput,
    UpdateStaffMemberInput,
    UpdateStoreInput,
)
from schema.stores.types import (
    StaffAssignmentType,
    StaffMemberConnection,
    StaffMemberType,
    StaffTimeOffType,
    StoreConnection,
    StoreSalesType,
    StoreType,
)
from services.common.pagination import PageRequest

# Customers' frontends list stores and stylists to book with: a customer token reads them.
READ = scope_or_customer(Scope.STORES_READ)
WRITE = requires(Scope.STORES_WRITE)


@strawberry.type
class StorePayload:
    store: StoreType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffMemberPayload:
    staff_member: StaffMemberType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffAssignmentPayload:
    assignment: StaffAssignmentType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffTimeOffPayload:
    time_off: StaffTimeOffType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _store_payload(result: object) -> StorePayload:
    value, errors = result.value, result.errors  # type: ignore[attr-defined]
    found = StoreType.from_model(value) if value else None
    return StorePayload(store=found, errors=user_errors(errors, related_type="Store"))


def _staff_payload(result: object) -> StaffMemberPayload:
    value, errors = result.value, result.errors  # type: ignore[attr-defined]
    found = StaffMemberType.from_model(value) if value else None
    return StaffMemberPayload(
        staff_member=found, errors=user_errors(errors, related_type="StaffMember")
    )


@strawberry.type
class StoreQueries:
    @strawberry.field(extensions=READ)
    async def store(self, info: Info, id: strawberry.ID) -> StoreType | None:
        found = await queries.store(info.context, id)
        return StoreType.from_model(found) if found else None

    @strawberry.field(extensions=READ, description="By code; keyset-paginated (at most 100).")
    async def stores(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: StoreFilter | None = None,
    ) -> StoreConnection:
        spec = (filter or StoreFilter()).to_spec()
        page = await queries.stores(info.context, spec, PageRequest(first=first, after=after))
        return StoreConnection.from_page(page)

    @strawberry.field(extensions=READ)
    async def staff_member(self, info: Info, id: strawberry.ID) -> StaffMemberType | None:
        found = await queries.staff_member(info.context, id)
        return StaffMemberType.from_model(found) if found else None

    @strawberry.field(extensions=READ, description="By name; optionally those of one store.")
    async def staff_members(
        self,
        info: Info,
        store_id: strawberry.ID | None = None,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> StaffMemberConnection:
        page = await queries.staff_members(
            info.context, store_id, active, PageRequest(first=first, after=after)
        )
        return StaffMemberConnection.from_page(page)

    @strawberry.field(
        extensions=requires(Scope.ANALYTICS_READ),
        description="Sales per store over purchases in [from, to) (at most 366 days), "
        "largest revenue first; purchases without a store last.",
    )
    async def store_sales(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> list[StoreSalesType]:
        rows = await queries.store_sales(info.context, from_, to)
        brand_id = info.context.require_brand().id
        stores = await asyncio.gather(  # one batched load for every row
            *(store_by_id(info.context, brand_id, row.store_id) for row in rows)
        )
        return [
            StoreSalesType(
                store=StoreType.from_model(store) if store else None,
                purchases=row.purchases,
                revenue=str(row.revenue),
                customers=row.customers,
            )
            for row, store in zip(rows, stores, strict=True)
        ]


@strawberry.type
class StoreMutations:
    @strawberry.mutation(extensions=WRITE, description="The time zone defaults to the brand's.")
    async def create_store(self, info: Info, input: CreateStoreInput) -> StorePayload:
        return _store_payload(await mutations.create_store(info.context, input.to_spec()))

    @strawberry.mutation(extensions=WRITE)
    async def update_store(self, info: Info, input: UpdateStoreInput) -> StorePayload:
        return _store_payload(await mutations.update_store(info.context, input.id, input.to_spec()))

    @strawberry.mutation(extensions=WRITE)
    async def create_staff_member(
        self, info: Info, input: CreateStaffMemberInput
    ) -> StaffMemberPayload:
        result = await mutations.create_staff(info.context, input.to_spec(), input.user_id)
        return _staff_payload(result)

    @strawberry.mutation(extensions=WRITE)
    async def update_staff_member(
        self, info: Info, input: UpdateStaffMemberInput
    ) -> StaffMemberPayload:
        user = input.user_id
        result = await mutations.update_staff(
            info.context,
            input.id,
            input.to_spec(),
            None if user is strawberry.UNSET or user is None else str(user),
            clear_user=user is None,
        )
        return _staff_payload(result)

    @strawberry.mutation(extensions=WRITE, description="Sets (or replaces) role and schedule.")
    async def assign_staff(self, info: Info, input: AssignStaffInput) -> StaffAssignmentPayload:
        result = await mutations.assign(
            info.context,
            input.staff_id,
            input.store_id,
            input.role,
            [s.to_entry() for s in input.schedule],
        )
        found = StaffAssignmentType.from_model(result.value) if result.value else None
        return StaffAssignmentPayload(assignment=found, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=WRITE, description="Booked appointments are kept.")
    async def unassign_staff(self, info: Info, input: UnassignStaffInput) -> StaffMemberPayload:
        return _staff_payload(
            await mutations.unassign(info.context, input.staff_id, input.store_id)
        )

    @strawberry.mutation(
        extensions=WRITE, description="Booked appointments in the period are kept."
    )
    async def add_staff_time_off(
        self, info: Info, input: AddStaffTimeOffInput
    ) -> StaffTimeOffPayload:
        result = await mutations.add_time_off(
            info.context, input.staff_id, input.starts_at, input.ends_at, input.reason
        )
        row = result.value
        found = StaffTimeOffType.from_model(row) if row else None
        return StaffTimeOffPayload(time_off=found, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=WRITE)
    async def remove_staff_time_off(
        self, info: Info, input: RemoveStaffTimeOffInput
    ) -> StaffMemberPayload:
        return _staff_payload(await mutations.remove_time_off(info.context, input.id))
