"""Reading stores and staff: global ids decoded, services called, brand from the context."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.stores.loaders import staff_by_id, store_by_id
from services.common.pagination import Page, PageRequest, PaginationError
from services.stores import reads, reports
from services.stores.hours import format_clock
from services.stores.reports import StoreSales
from services.stores.stores import StoreFilter, list_stores

if TYPE_CHECKING:
    from models.stores import StaffMember, StaffTimeOff, Store

MAX_TIME_OFF_RANGE = timedelta(days=366)
MAX_TIME_OFF_ROWS = 200


def decode_query_id(global_id: str, type_name: str) -> int:
    try:
        return decode_id(global_id, type_name)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc


async def store(context: Context, global_id: str) -> Store | None:
    brand = context.require_brand()
    return await store_by_id(context, brand.id, decode_query_id(global_id, "Store"))


async def stores(context: Context, spec: StoreFilter, page: PageRequest) -> Page[Store]:
    try:
        return await list_stores(context.require_brand().id, spec, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def staff_members(
    context: Context, store_id: str | None, active: bool | None, page: PageRequest
) -> Page[StaffMember]:
    brand = context.require_brand()
    pk = decode_query_id(store_id, "Store") if store_id is not None else None
    try:
        return await reads.staff_page(brand.id, pk, active, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def staff_member(context: Context, global_id: str) -> StaffMember | None:
    brand = context.require_brand()
    return await staff_by_id(context, brand.id, decode_query_id(global_id, "StaffMember"))


async def time_off(
    context: Context, staff: StaffMember, frm: datetime | None, to: datetime | None
) -> list[StaffTimeOff]:
    frm = frm or datetime.now(UTC)
    to = to or frm + MAX_TIME_OFF_RANGE
    if frm >= to or to - frm > MAX_TIME_OFF_RANGE:
        raise bad_input("`from` must be before `to`, at most 366 days apart")
    return await reads.time_off_of(staff.id, frm, to, MAX_TIME_OFF_ROWS)


async def store_sales(context: Context, frm: datetime, to: datetime) -> list[StoreSales]:
    if frm >= to or to - frm > reports.MAX_RANGE:
        raise bad_input("`from` must be before `to`, at most 366 days apart")
    return await reports.sales_by_store(context.require_brand().id, frm, to)


def weekly_intervals(weekly: dict[str, list[list[int]]]) -> list[tuple[int, str, str]]:
    """(weekday, opens, closes) of stored weekly hours (minutes by weekday), by weekday."""
    return [
        (int(day), format_clock(s), format_clock(e))
        for day, intervals in sorted(weekly.items(), key=lambda item: int(item[0]))
        for s, e in intervals
    ]


def exception_days(exceptions: list[dict[str, Any]]) -> list[tuple[date, list[tuple[str, str]]]]:
    """(date, [(opens, closes)]) of stored exceptions: holidays and days with their own hours."""
    return [
        (date.fromisoformat(e["date"]), [(format_clock(s), format_clock(t)) for s, t in e["hours"]])
        for e in exceptions
    ]
