"""Batched loads of stores, staff and services: one statement per kind per request level."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.appointments import catalogue
from services.stores import reads

if TYPE_CHECKING:
    from models.appointments import BookableService
    from models.stores import StaffAssignment, StaffMember, Store

Rows = Callable[[int, list[int]], Awaitable[Sequence[Any]]]  # (brand id, ids) -> rows


def _by_id(read: Rows) -> Any:
    async def batch(keys: Sequence[BrandKey]) -> list[Any]:
        found: dict[BrandKey, Any] = {}
        for brand_id, ids in group_by_brand(keys).items():
            for row in await read(brand_id, ids):
                found[(brand_id, row.pk)] = row
        return [found.get(key) for key in keys]

    return batch


async def _assignments_of_staff(keys: Sequence[BrandKey]) -> list[list[StaffAssignment]]:
    found: dict[BrandKey, list[StaffAssignment]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.assignments_of_staff(brand_id, ids):
            found[(brand_id, row.staff_id)].append(row)
    return [found.get(key, []) for key in keys]


async def _assignments_of_store(keys: Sequence[BrandKey]) -> list[list[StaffAssignment]]:
    found: dict[BrandKey, list[StaffAssignment]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.assignments_of_stores(brand_id, ids):
            found[(brand_id, row.store_id)].append(row)
    return [found.get(key, []) for key in keys]


async def store_by_id(context: Context, brand_id: int, store_id: int | None) -> Store | None:
    if store_id is None:
        return None
    loader = get_loader(context, "stores", _by_id(reads.stores_by_id))
    return await loader.load((brand_id, store_id))  # type: ignore[no-any-return]


async def staff_by_id(context: Context, brand_id: int, staff_id: int) -> StaffMember | None:
    loader = get_loader(context, "staff_members", _by_id(reads.staff_by_id))
    return await loader.load((brand_id, staff_id))  # type: ignore[no-any-return]


async def service_by_id(context: Context, brand_id: int, service_id: int) -> BookableService | None:
    loader = get_loader(context, "bookable_services", _by_id(catalogue.services_by_id))
    return await loader.load((brand_id, service_id))  # type: ignore[no-any-return]


async def assignments_of_staff(context: Context, staff: StaffMember) -> list[StaffAssignment]:
    loader = get_loader(context, "staff_assignments", _assignments_of_staff)
    return await loader.load((staff.brand_id, staff.id))  # type: ignore[no-any-return]


async def assignments_of_store(context: Context, store: Store) -> list[StaffAssignment]:
    loader = get_loader(context, "store_assignments", _assignments_of_store)
    return await loader.load((store.brand_id, store.id))  # type: ignore[no-any-return]
