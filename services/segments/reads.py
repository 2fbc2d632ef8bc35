"""Reads of saved segments for the API."""

from __future__ import annotations

from models import Segment
from services.common.pagination import Page, PageRequest, paginate


async def segment_in_brand(brand_id: int, segment_id: int) -> Segment | None:
    return await Segment.get_or_none(brand_id=brand_id, id=segment_id)


async def segment_page(brand_id: int, page: PageRequest) -> Page[Segment]:
    """Newest first; raises PaginationError for a bad page request."""
    query = Segment.filter(brand_id=brand_id)
    return await paginate(query, "created_at", True, page, is_datetime=True)


async def segment_count(brand_id: int) -> int:
    return await Segment.filter(brand_id=brand_id).count()
