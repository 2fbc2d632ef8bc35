"""Batched loads of what hangs off a customer; one statement per page, whatever its size."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.customers import reads, timeline
from services.customers.timeline import TimelineEntry

if TYPE_CHECKING:
    from models import AuditEntry, Customer, CustomerExternalId, CustomerNote


async def _tags(keys: Sequence[BrandKey]) -> list[list[str]]:
    found: dict[BrandKey, list[str]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.tags_of(brand_id, ids):
            found[(brand_id, row.customer_id)].append(row.tag)
    return [found.get(key, []) for key in keys]


async def _external_ids(keys: Sequence[BrandKey]) -> list[list[CustomerExternalId]]:
    found: dict[BrandKey, list[CustomerExternalId]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.external_ids_of(brand_id, ids):
            found[(brand_id, row.customer_id)].append(row)
    return [found.get(key, []) for key in keys]


MAX_NESTED = 100  # the most `first` a nested list accepts


async def _notes(keys: Sequence[BrandKey]) -> list[list[CustomerNote]]:
    found: dict[BrandKey, list[CustomerNote]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.newest_notes(brand_id, ids, MAX_NESTED):
            found[(brand_id, row.customer_id)].append(row)
    return [found.get(key, []) for key in keys]


async def _history(keys: Sequence[BrandKey]) -> list[list[AuditEntry]]:
    """Audit rows about each customer (notes excluded: they have their own loader)."""
    found: dict[BrandKey, list[AuditEntry]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.newest_history(brand_id, ids, MAX_NESTED):
            found[(brand_id, int(row.target_id or 0))].append(row)
    return [found.get(key, []) for key in keys]


async def _timeline_sources(keys: Sequence[BrandKey]) -> list[list[TimelineEntry]]:
    found: dict[BrandKey, list[TimelineEntry]] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for cid, entries in (await timeline.from_sources(brand_id, ids, MAX_NESTED)).items():
            found[(brand_id, cid)] = entries
    return [found.get(key, []) for key in keys]


async def _customers(keys: Sequence[BrandKey]) -> list[Customer | None]:
    found: dict[BrandKey, Customer] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.live_customers(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def tags(context: Context, customer: Customer) -> list[str]:
    return await get_loader(context, "customer_tags", _tags).load((customer.brand_id, customer.id))


async def external_ids(context: Context, customer: Customer) -> list[CustomerExternalId]:
    loader = get_loader(context, "customer_external_ids", _external_ids)
    return await loader.load((customer.brand_id, customer.id))


async def notes(context: Context, customer: Customer) -> list[CustomerNote]:
    loader = get_loader(context, "customer_notes", _notes)
    return await loader.load((customer.brand_id, customer.id))


async def history(context: Context, customer: Customer) -> list[AuditEntry]:
    loader = get_loader(context, "customer_history", _history)
    return await loader.load((customer.brand_id, customer.id))


async def timeline_sources(context: Context, customer: Customer) -> list[TimelineEntry]:
    loader = get_loader(context, "customer_timeline_sources", _timeline_sources)
    return await loader.load((customer.brand_id, customer.id))  # type: ignore[no-any-return]


async def customer_by_id(context: Context, customer_id: int) -> Customer | None:
    brand = context.require_brand()
    return await get_loader(context, "customers", _customers).load((brand.id, customer_id))
