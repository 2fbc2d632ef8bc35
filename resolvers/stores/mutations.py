"""Store and staff mutations: global ids decoded into payload errors, services called."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from services.stores import staff as staff_service
from services.stores import stores as store_service
from services.stores.hours import HoursEntry
from services.stores.staff import StaffSpec
from services.stores.stores import StoreSpec

if TYPE_CHECKING:
    from models.stores import StaffAssignment, StaffMember, StaffTimeOff, Store


async def create_store(context: Context, spec: StoreSpec) -> MutationResult[Store]:
    brand = context.require_brand()
    return await run(store_service.create_store(context.actor, spec, brand.timezone))


async def update_store(context: Context, store_id: str, spec: StoreSpec) -> MutationResult[Store]:
    async def operation() -> Store:
        pk = decode_or_error(store_id, "Store", "id")
        return await store_service.update_store(context.actor, pk, spec)

    return await run(operation())


def _user(user_id: str | None) -> int | None:
    return decode_or_error(user_id, "StaffUser", "userId") if user_id else None


async def create_staff(
    context: Context, spec: StaffSpec, user_id: str | None
) -> MutationResult[StaffMember]:
    async def operation() -> StaffMember:
        full = replace(spec, user_id=_user(user_id))
        return await staff_service.create_staff(context.actor, full)

    return await run(operation())


async def update_staff(
    context: Context, staff_id: str, spec: StaffSpec, user_id: str | None, clear_user: bool
) -> MutationResult[StaffMember]:
    async def operation() -> StaffMember:
        pk = decode_or_error(staff_id, "StaffMember", "id")
        full = replace(spec, user_id=_user(user_id), clear_user=clear_user)
        return await staff_service.update_staff(context.actor, pk, full)

    return await run(operation())


async def assign(
    context: Context, staff_id: str, store_id: str, role: str, schedule: list[HoursEntry]
) -> MutationResult[StaffAssignment]:
    async def operation() -> StaffAssignment:
        staff = decode_or_error(staff_id, "StaffMember", "staffId")
        store = decode_or_error(store_id, "Store", "storeId")
        return await staff_service.assign(context.actor, staff, store, role, schedule)

    return await run(operation())


async def unassign(context: Context, staff_id: str, store_id: str) -> MutationResult[StaffMember]:
    async def operation() -> StaffMember:
        staff = decode_or_error(staff_id, "StaffMember", "staffId")
        store = decode_or_error(store_id, "Store", "storeId")
        return await staff_service.unassign(context.actor, staff, store)

    return await run(operation())


async def add_time_off(
    context: Context, staff_id: str, starts_at: datetime, ends_at: datetime, reason: str
) -> MutationResult[StaffTimeOff]:
    async def operation() -> StaffTimeOff:
        staff = decode_or_error(staff_id, "StaffMember", "staffId")
        return await staff_service.add_time_off(context.actor, staff, starts_at, ends_at, reason)

    return await run(operation())


async def remove_time_off(context: Context, time_off_id: str) -> MutationResult[StaffMember]:
    async def operation() -> StaffMember:
        pk = decode_or_error(time_off_id, "StaffTimeOff", "id")
        return await staff_service.remove_time_off(context.actor, pk)

    return await run(operation())
