"""Reads of stores and their staff for the API: the request's DataLoaders (one statement per
brand and batch of ids) and the staff lists."""

from __future__ import annotations

from datetime import datetime

from models.stores import StaffAssignment, StaffMember, StaffTimeOff, Store
from services.common.pagination import Page, PageRequest, paginate


async def stores_by_id(brand_id: int, store_ids: list[int]) -> list[Store]:
    return await Store.filter(brand_id=brand_id, id__in=store_ids)


async def staff_by_id(brand_id: int, staff_ids: list[int]) -> list[StaffMember]:
    return await StaffMember.filter(brand_id=brand_id, id__in=staff_ids)


async def assignments_of_staff(brand_id: int, staff_ids: list[int]) -> list[StaffAssignment]:
    return await StaffAssignment.filter(brand_id=brand_id, staff_id__in=staff_ids).order_by("id")


async def assignments_of_stores(brand_id: int, store_ids: list[int]) -> list[StaffAssignment]:
    return await StaffAssignment.filter(brand_id=brand_id, store_id__in=store_ids).order_by("id")


async def staff_page(
    brand_id: int, store_id: int | None, active: bool | None, page: PageRequest
) -> Page[StaffMember]:
    """By name; raises PaginationError for a bad page request."""
    query = StaffMember.filter(brand_id=brand_id)
    if store_id is not None:
        query = query.filter(assignments__store_id=store_id)
    if active is not None:
        query = query.filter(active=active)
    return await paginate(query, "name", False, page, is_datetime=False)


async def time_off_of(staff_id: int, frm: datetime, to: datetime, limit: int) -> list[StaffTimeOff]:
    """The staff member's time off overlapping [frm, to), in start order."""
    query = StaffTimeOff.filter(staff_id=staff_id, starts_at__lt=to, ends_at__gt=frm)
    return await query.order_by("starts_at").limit(limit)
