from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auth.context import Context
from models import AuditEntry, Customer, CustomerNote
from resolvers.attributes import attributes as attribute_resolvers
from resolvers.customers import loaders
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from services.common.pagination import Page, PageRequest, PaginationError
from services.customers import query as customer_query
from services.customers.query import CustomerFilter
from services.loyalty import config as loyalty_config

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
        raise bad_input(f"unknown tier {spec.tier!r}; this brand's tiers: {', '.join(names)}")


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
    try:
        return await customer_query.list_customers(
            brand.id, brand.phone_region, spec, page, order_by, descending
        )
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def customers_count(context: Context, spec: CustomerFilter) -> int:
    """Only after `customers` with the same spec, which has checked its tier name."""
    brand = context.require_brand()
    return await customer_query.count_customers(brand.id, brand.phone_region, spec)


async def notes(context: Context, owner: Customer, first: int) -> list[CustomerNote]:
    if not 0 <= first <= 100:
        raise bad_input("first must be between 0 and 100")
    return (await loaders.notes(context, owner))[:first]


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    occurred_at: datetime
    actor: str
    summary: str


def _describe(entry: AuditEntry) -> str:
    details = entry.details or {}
    if entry.operation == "updateCustomer":
        return "updated " + ", ".join(details.get("fields", []) + details.get("externalIds", []))
    if entry.operation == "tagCustomers":
        return f"tags +{details.get('add', [])} -{details.get('remove', [])}"
    if entry.operation == "mergeCustomers":
        return f"merged customer {details.get('source_name', '')} into this profile"
    return entry.operation


async def timeline(context: Context, owner: Customer, first: int) -> list[TimelineEntry]:
    """Notes and recorded changes, newest first. Later domains add purchases, tickets, surveys."""
    if not 0 <= first <= TIMELINE_LIMIT:
        raise bad_input(f"first must be between 0 and {TIMELINE_LIMIT}")
    entries = [
        TimelineEntry("NOTE", note.created_at, note.author, note.body)
        for note in await loaders.notes(context, owner)
    ]
    audit_rows = await loaders.history(context, owner)
    entries += [
        TimelineEntry(
            row.operation,
            row.created_at,
            f"{row.principal_kind}:{row.principal_id}",
            _describe(row),
        )
        for row in audit_rows
    ]
    entries.sort(key=lambda e: e.occurred_at, reverse=True)
    return entries[:first]
