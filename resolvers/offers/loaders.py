"""Batched loads around offers and coupons, keyed (brand_id, id)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, TypeAlias

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.offers import reads
from services.offers.reads import CouponRow as CouponRow  # what the coupon loaders answer

if TYPE_CHECKING:
    from models.offers import Coupon, Offer

CouponsLoad: TypeAlias = "Callable[[Sequence[BrandKey]], Awaitable[list[list[Coupon]]]]"


async def _offers(keys: Sequence[BrandKey]) -> list[Offer | None]:
    found: dict[BrandKey, Offer] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.offers_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def _purchase_coupons(keys: Sequence[BrandKey]) -> list[list[Coupon]]:
    found: dict[BrandKey, list[Coupon]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.redeemed_coupons_of(brand_id, ids):
            found[(brand_id, row.purchase_id or 0)].append(row)
    return [found.get(key, []) for key in keys]


async def offer_by_id(context: Context, brand_id: int, offer_id: int) -> Offer | None:
    return await get_loader(context, "offers", _offers).load((brand_id, offer_id))


async def purchase_coupons(context: Context, brand_id: int, purchase_id: int) -> list[Coupon]:
    loader = get_loader(context, "purchase_coupons", _purchase_coupons)
    return await loader.load((brand_id, purchase_id))


def _newest_coupons(limit: int) -> CouponsLoad:
    async def load(keys: Sequence[BrandKey]) -> list[list[Coupon]]:
        found: dict[BrandKey, list[Coupon]] = defaultdict(list)
        for brand_id, ids in group_by_brand(keys).items():
            for row in await reads.newest_coupons(brand_id, ids, limit):
                found[(brand_id, row.customer_id)].append(row)
        return [found.get(key, []) for key in keys]

    return load


def _usable_coupons(now: datetime) -> CouponsLoad:
    """ISSUED and not yet expired: few per customer, so all of them in one statement."""

    async def load(keys: Sequence[BrandKey]) -> list[list[Coupon]]:
        found: dict[BrandKey, list[Coupon]] = defaultdict(list)
        for brand_id, ids in group_by_brand(keys).items():
            for row in await reads.usable_coupons(brand_id, ids, now):
                found[(brand_id, row.customer_id)].append(row)
        return [found.get(key, []) for key in keys]

    return load


async def newest_coupons_of(
    context: Context, keys: Sequence[BrandKey], limit: int
) -> list[list[Coupon]]:
    """The newest `limit` coupons of each (brand id, customer id): one statement a page."""
    return await get_loader(context, f"coupons_{limit}", _newest_coupons(limit)).load_many(keys)


async def usable_coupons_of(
    context: Context, keys: Sequence[BrandKey], now: datetime
) -> list[list[Coupon]]:
    """The ISSUED, unexpired coupons of each (brand id, customer id). The loader is made once
    per request: the first call's `now` holds for the whole page."""
    return await get_loader(context, "usable_coupons", _usable_coupons(now)).load_many(keys)
