from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from auth.context import Context
from resolvers.appointments.timeline import appointment_entries
from resolvers.attributes import attributes as attribute_resolvers
from resolvers.customers import loaders
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.tracking import timeline as behaviour
from services.common.pagination import Page, PageRequest, PaginationError
from services.customers import duplicates
from services.customers import query as customer_query
from services.customers import timeline as customer_timeline
from services.customers.query import CustomerFilter
from services.loyalty import config as loyalty_config
from services.privacy import sealing

if TYPE_CHECKING:
    from models import Customer, CustomerNote

TIMELINE_LIMIT = 100


async def customer(context: Context, global_id: str) -> Customer | None:
    try:
        pk = decode_id(global_id, "Customer")
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc
    return await loaders.customer_by_id(context, pk)


async def _check_tier(brand_id: int, spec: CustomerFilter) -> None:
    """A tier the brand does not have is a mistake to report, not a filter that matches nobody."""
    if not spec.tier:
        return
    names = [t.name for t in await loyalty_config.ladder(brand_id)]
    if spec.tier not in names:
        message = f"unknown tier {spec.tier!r}; this brand's tiers: {', '.join(names)}"
        raise GraphQLError(
            message,
            extensions={"code": "BAD_USER_INPUT", "field": "filter.tier", "reason": "UNKNOWN_TIER"},
        )


async def with_attributes(
    context: Context, spec: CustomerFilter, raw: list[dict[str, Any]]
) -> CustomerFilter:
    """The filter with its attribute conditions checked against the brand's definitions."""
    if not raw:
        return spec
    found = await attribute_resolvers.conditions(context, raw)
    return dataclasses.replace(spec, attributes=tuple(found))


async def customers(
    context: Context, spec: CustomerFilter, page: PageRequest, order_by: str, descending: bool
) -> Page[Customer]:
    brand = context.require_brand()
    await _check_tier(brand.id, spec)
    sealed = bool(spec.search) and await sealing.encrypts(brand.id)
    try:
        return await customer_query.list_customers(
            brand.id, brand.phone_region, spec, page, order_by, descending, sealed
        )
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def customers_count(context: Context, spec: CustomerFilter) -> int:
    """Only after `customers` with the same spec, which has checked its tier name."""
    brand = context.require_brand()
    sealed = bool(spec.search) and await sealing.encrypts(brand.id)
    return await customer_query.count_customers(brand.id, brand.phone_region, spec, sealed)


async def notes(context: Context, owner: Customer, first: int) -> list[CustomerNote]:
    if not 0 <= first <= 100:
        raise bad_input("first must be between 0 and 100")
    return (await loaders.notes(context, owner))[:first]


TimelineEntry = customer_timeline.TimelineEntry


async def timeline(context: Context, owner: Customer, first: int) -> list[TimelineEntry]:
    """Notes, recorded changes, tickets, survey answers, coupons and tier changes, newest first
    (services/customers/timeline)."""
    if not 0 <= first <= TIMELINE_LIMIT:
        raise bad_input(f"first must be between 0 and {TIMELINE_LIMIT}")
    entries = [
        TimelineEntry("NOTE", note.created_at, note.author, note.body)
        for note in await loaders.notes(context, owner)
    ]
    entries += [
        TimelineEntry(
            row.operation,
            row.created_at,
            f"{row.principal_kind}:{row.principal_id}",
            customer_timeline.describe(row),
        )
        for row in await loaders.history(context, owner)
    ]
    entries += await loaders.timeline_sources(context, owner)
    entries += [TimelineEntry(*e) for e in await appointment_entries(context, owner)]
    rows = await behaviour.timeline_rows(context, owner)  # tracked events (issue 20)
    entries += [TimelineEntry("BEHAVIOUR", *row) for row in rows]
    entries.sort(key=lambda e: e.occurred_at, reverse=True)
    return entries[:first]


async def possible_duplicates(
    context: Context, customer: Customer, first: int
) -> list[duplicates.PossibleDuplicate]:
    if not 0 <= first <= duplicates.MAX_RESULTS:
        raise bad_input(f"first must be between 0 and {duplicates.MAX_RESULTS}")
    sealed = await sealing.encrypts(customer.brand_id)
    return await duplicates.possible_duplicates(customer, sealed, first)
