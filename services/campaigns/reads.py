"""Reads of campaigns and their segments for the API (loaders: one statement per brand and
batch of ids)."""

from __future__ import annotations

from models import Segment
from models.campaigns import Campaign


async def campaigns_by_id(brand_id: int, campaign_ids: list[int]) -> list[Campaign]:
    return await Campaign.filter(brand_id=brand_id, id__in=campaign_ids)


async def segments_by_id(brand_id: int, segment_ids: list[int]) -> list[Segment]:
    return await Segment.filter(brand_id=brand_id, id__in=segment_ids)


async def campaign_in_brand(brand_id: int, campaign_id: int) -> Campaign | None:
    return await Campaign.get_or_none(brand_id=brand_id, id=campaign_id)


async def campaign_count(brand_id: int) -> int:
    return await Campaign.filter(brand_id=brand_id).count()
