"""Batched loads around campaigns, keyed (brand_id, id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.campaigns import campaigns, reads

if TYPE_CHECKING:
    from models import Segment
    from models.campaigns import Campaign


async def _campaigns(keys: Sequence[BrandKey]) -> list[Campaign | None]:
    found: dict[BrandKey, Campaign] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.campaigns_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def _offer_ids(keys: Sequence[BrandKey]) -> list[list[int]]:
    found: dict[BrandKey, list[int]] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for campaign_id, offers in (await campaigns.offer_ids(brand_id, ids)).items():
            found[(brand_id, campaign_id)] = offers
    return [found.get(key, []) for key in keys]


async def _segments(keys: Sequence[BrandKey]) -> list[Segment | None]:
    found: dict[BrandKey, Segment] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.segments_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def campaign_by_id(context: Context, campaign_id: int) -> Campaign | None:
    brand = context.require_brand()
    loader = get_loader(context, "campaigns", _campaigns)
    return await loader.load((brand.id, campaign_id))  # type: ignore[no-any-return]


async def offer_ids(context: Context, campaign: Campaign) -> list[int]:
    loader = get_loader(context, "campaign_offer_ids", _offer_ids)
    return await loader.load((campaign.brand_id, campaign.id))  # type: ignore[no-any-return]


async def segment(context: Context, campaign: Campaign) -> Segment | None:
    if campaign.segment_id is None:
        return None
    loader = get_loader(context, "campaign_segments", _segments)
    return await loader.load((campaign.brand_id, campaign.segment_id))  # type: ignore[no-any-return]
