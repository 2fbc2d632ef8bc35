from __future__ import annotations

from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.campaigns import loaders
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from services.campaigns import campaigns, reads
from services.campaigns import stats as campaign_stats
from services.campaigns.stats import CampaignStats
from services.common.pagination import Page, PageRequest, PaginationError
from services.loyalty.config import utcnow

if TYPE_CHECKING:
    from models.campaigns import Campaign


async def campaign(context: Context, global_id: str) -> Campaign | None:
    try:
        pk = decode_id(global_id, "Campaign")
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc
    return await loaders.campaign_by_id(context, pk)


async def campaign_model(context: Context, campaign_id: int) -> Campaign | None:
    """Fresh from the database (after a mutation), not from the request's loader cache."""
    return await reads.campaign_in_brand(context.require_brand().id, campaign_id)


async def campaign_list(context: Context, page: PageRequest) -> Page[Campaign]:
    try:
        return await campaigns.list_campaigns(context.require_brand().id, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def campaign_count(context: Context) -> int:
    return await reads.campaign_count(context.require_brand().id)


async def stats(context: Context, found: Campaign) -> CampaignStats | None:
    """None before launch: there is nobody to measure yet."""
    if found.status == "DRAFT" or found.brand_id != context.require_brand().id:
        return None
    return await campaign_stats.campaign_stats(found)


def status_of(found: Campaign) -> str:
    """The campaign's status now: ENDED once a launched campaign's window is over."""
    return campaigns.status_now(found, utcnow())
