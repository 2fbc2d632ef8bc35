"""Reading appointments, slots, services and analytics; a customer token sees its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from graphql import GraphQLError

from auth.context import Context
from auth.scopes import Scope
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from services.appointments import holds, search, stats
from services.appointments.availability import Slot
from services.appointments.catalogue import list_services
from services.appointments.policy import get_policy
from services.appointments.query import (
    AppointmentFilter,
    FilterError,
    appointment_in_brand,
    count_appointments,
    list_appointments,
)
from services.appointments.search import SearchError, SlotQuery
from services.appointments.stats import AppointmentStats
from services.common.pagination import Page, PageRequest, PaginationError

if TYPE_CHECKING:
    from models import Customer
    from models.appointments import Appointment, BookableService, BookingPolicy, PriorityHold


def decode_query_id(global_id: str, type_name: str) -> int:
    try:
        return decode_id(global_id, type_name)
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc


def own_customer(context: Context) -> int | None:
    principal = context.principal
    return principal.subject_id if principal is not None and principal.kind == "customer" else None


async def available_slots(
    context: Context,
    store_id: str,
    service_id: str,
    staff_id: str | None,
    frm: datetime,
    to: datetime,
    customer_id: str | None,
    first: int,
) -> list[Slot]:
    own = own_customer(context)
    customer = decode_query_id(customer_id, "Customer") if customer_id else None
    if own is not None:
        if customer is not None and customer != own:
            raise GraphQLError("customer not found", extensions={"code": "NOT_FOUND"})
        customer = own
    query = SlotQuery(
        store_id=decode_query_id(store_id, "Store"),
        service_id=decode_query_id(service_id, "BookableService"),
        staff_id=decode_query_id(staff_id, "StaffMember") if staff_id else None,
        frm=frm,
        to=to,
        customer_id=customer,
        first=first,
    )
    try:
        return await search.available_slots(context.require_brand().id, query)
    except SearchError as exc:
        raise GraphQLError(str(exc), extensions={"code": exc.code}) from exc


def _scoped(context: Context, spec: AppointmentFilter) -> AppointmentFilter:
    own = own_customer(context)
    return spec if own is None else replace(spec, customer_id=own)


async def appointments(
    context: Context, spec: AppointmentFilter, page: PageRequest
) -> Page[Appointment]:
    try:
        return await list_appointments(context.require_brand().id, _scoped(context, spec), page)
    except (PaginationError, FilterError) as exc:
        raise bad_input(str(exc)) from exc


async def appointments_count(context: Context, spec: AppointmentFilter) -> int:
    return await count_appointments(context.require_brand().id, _scoped(context, spec))


async def customer_appointments(
    context: Context, customer: Customer, spec: AppointmentFilter, page: PageRequest
) -> Page[Appointment]:
    """Staff and partners need appointments:read; a customer sees only their own."""
    principal = context.principal
    own = principal is not None and principal.kind == "customer"
    if own and principal is not None and principal.subject_id != customer.id:
        raise GraphQLError("customer not found", extensions={"code": "NOT_FOUND"})
    if not own and not (principal and principal.has(Scope.APPOINTMENTS_READ.value)):
        raise GraphQLError(
            f"requires scope {Scope.APPOINTMENTS_READ.value}", extensions={"code": "FORBIDDEN"}
        )
    return await appointments(context, replace(spec, customer_id=customer.id), page)


async def appointment(context: Context, global_id: str) -> Appointment | None:
    pk = decode_query_id(global_id, "Appointment")
    found = await appointment_in_brand(context.require_brand().id, pk)
    own = own_customer(context)
    if found is None or (own is not None and found.customer_id != own):
        return None
    return found


async def bookable_services(
    context: Context, active: bool | None, page: PageRequest
) -> Page[BookableService]:
    try:
        return await list_services(context.require_brand().id, active, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def policy(context: Context) -> BookingPolicy:
    return await get_policy(context.require_brand().id)


async def priority_holds(
    context: Context, store_id: str, frm: datetime, to: datetime
) -> list[PriorityHold]:
    if frm >= to:
        raise bad_input("`from` must be before `to`")
    pk = decode_query_id(store_id, "Store")
    return await holds.holds_of(context.require_brand().id, pk, frm, to)


async def appointment_stats(
    context: Context, frm: datetime, to: datetime, store_id: str | None
) -> AppointmentStats:
    if frm >= to or to - frm > stats.MAX_RANGE:
        raise bad_input(f"`from` must be before `to`, at most {stats.MAX_RANGE.days} days apart")
    pk = decode_query_id(store_id, "Store") if store_id else None
    return await stats.appointment_stats(context.require_brand().id, frm, to, pk)
