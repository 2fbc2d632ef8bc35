"""Batched loads of loyalty data hanging off customers: one statement per kind and page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from itertools import groupby
from operator import itemgetter
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.loyalty import reads
from services.loyalty.reads import LedgerRow  # what the ledger loaders answer

if TYPE_CHECKING:
    from models import Customer, CustomerStats, Membership, PurchaseItem, Tier, TierChange


async def _memberships(keys: Sequence[BrandKey]) -> list[Membership | None]:
    found: dict[BrandKey, Membership] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.memberships_of(brand_id, ids):
            found[(brand_id, row.customer_id)] = row
    return [found.get(key) for key in keys]


async def _tiers(keys: Sequence[BrandKey]) -> list[Tier | None]:
    found: dict[BrandKey, Tier] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.tiers_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def _stats(keys: Sequence[BrandKey]) -> list[CustomerStats | None]:
    found: dict[BrandKey, CustomerStats] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.stats_of(brand_id, ids):
            found[(brand_id, row.customer_id)] = row
    return [found.get(key) for key in keys]


async def _history(keys: Sequence[BrandKey]) -> list[list[TierChange]]:
    found: dict[BrandKey, list[TierChange]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.tier_changes_of(brand_id, ids):
            found[(brand_id, row.membership_id)].append(row)
    return [found.get(key, []) for key in keys]


async def _items(keys: Sequence[BrandKey]) -> list[list[PurchaseItem]]:
    found: dict[BrandKey, list[PurchaseItem]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.items_of(brand_id, ids):
            found[(brand_id, row.purchase_id)].append(row)
    return [found.get(key, []) for key in keys]


def _newest_transactions(
    limit: int,
) -> Callable[[Sequence[BrandKey]], Awaitable[list[list[LedgerRow]]]]:
    async def load(keys: Sequence[BrandKey]) -> list[list[LedgerRow]]:
        found: dict[BrandKey, list[LedgerRow]] = {}
        for brand_id, ids in group_by_brand(keys).items():
            rows = await reads.newest_ledger_rows(brand_id, ids, limit)
            # grouped by customer already: one C-level pass, no Python call per row
            for customer_id, ledger in groupby(rows, _customer_id):
                found[(brand_id, customer_id)] = list(ledger)
        return [found.get(key, []) for key in keys]

    return load


_customer_id = itemgetter(1)  # LedgerRow.customer_id


async def membership(context: Context, customer: Customer) -> Membership | None:
    loader = get_loader(context, "memberships", _memberships)
    return await loader.load((customer.brand_id, customer.id))


async def memberships(context: Context, customers: Sequence[Customer]) -> list[Membership | None]:
    """`membership` for a list of customers at once (one future each, one statement in all)."""
    loader = get_loader(context, "memberships", _memberships)
    return await loader.load_many([(c.brand_id, c.id) for c in customers])


async def tiers(context: Context, keys: Sequence[tuple[int, int | None]]) -> list[Tier | None]:
    """`tier` for a list of (brand id, tier id or None) at once."""
    wanted = [(brand_id, tier_id) for brand_id, tier_id in keys if tier_id is not None]
    found = iter(await get_loader(context, "tiers", _tiers).load_many(wanted) if wanted else [])
    return [next(found) if tier_id is not None else None for _, tier_id in keys]


async def tier(context: Context, brand_id: int, tier_id: int | None) -> Tier | None:
    if tier_id is None:
        return None
    return await get_loader(context, "tiers", _tiers).load((brand_id, tier_id))


async def stats(context: Context, customer: Customer) -> CustomerStats | None:
    loader = get_loader(context, "customer_stats", _stats)
    return await loader.load((customer.brand_id, customer.id))


async def tier_history(context: Context, membership: Membership) -> list[TierChange]:
    loader = get_loader(context, "tier_history", _history)
    return await loader.load((membership.brand_id, membership.id))


async def purchase_items(context: Context, brand_id: int, purchase_id: int) -> list[PurchaseItem]:
    return await get_loader(context, "purchase_items", _items).load((brand_id, purchase_id))


async def newest_transactions_of(
    context: Context, customers: Sequence[Customer], limit: int
) -> list[list[LedgerRow]]:
    """Each customer's `limit` newest ledger rows; one statement per page of customers."""
    loader = get_loader(context, f"points_transactions_{limit}", _newest_transactions(limit))
    return await loader.load_many([(c.brand_id, c.id) for c in customers])
