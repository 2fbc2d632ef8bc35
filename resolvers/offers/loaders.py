"""Batched loads around offers and coupons, keyed (brand_id, id)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from auth.context import Context
from models.offers import Coupon, Offer
from resolvers.loaders import BrandKey, get_loader, group_by_brand


async def _offers(keys: Sequence[BrandKey]) -> list[Offer | None]:
    found: dict[BrandKey, Offer] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await Offer.filter(brand_id=brand_id, id__in=ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def _purchase_coupons(keys: Sequence[BrandKey]) -> list[list[Coupon]]:
    found: dict[BrandKey, list[Coupon]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        query = Coupon.filter(brand_id=brand_id, purchase_id__in=ids, status="REDEEMED")
        for row in await query.order_by("id"):
            found[(brand_id, row.purchase_id or 0)].append(row)
    return [found.get(key, []) for key in keys]


async def offer_by_id(context: Context, brand_id: int, offer_id: int) -> Offer | None:
    return await get_loader(context, "offers", _offers).load((brand_id, offer_id))


async def purchase_coupons(context: Context, brand_id: int, purchase_id: int) -> list[Coupon]:
    loader = get_loader(context, "purchase_coupons", _purchase_coupons)
    return await loader.load((brand_id, purchase_id))
