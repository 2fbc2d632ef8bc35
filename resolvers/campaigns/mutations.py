from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from services.campaigns import campaigns

if TYPE_CHECKING:
    from models.campaigns import Campaign


async def create(
    context: Context,
    name: str,
    description: str,
    segment_id: str,
    offer_ids: list[str],
    starts_at: datetime,
    ends_at: datetime,
    holdout_percent: Decimal,
) -> MutationResult[Campaign]:
    async def operation() -> Campaign:
        spec = campaigns.CampaignSpec(
            name=name,
            description=description,
            segment_id=decode_or_error(segment_id, "Segment", "segmentId"),
            offer_ids=[decode_or_error(o, "Offer", "offerIds") for o in offer_ids],
            starts_at=starts_at,
            ends_at=ends_at,
            holdout_percent=holdout_percent,
        )
        return await campaigns.create_campaign(context.actor, spec)

    return await run(operation())


async def launch(context: Context, campaign_id: str) -> MutationResult[Campaign]:
    async def operation() -> Campaign:
        pk = decode_or_error(campaign_id, "Campaign", "campaignId")
        return await campaigns.launch_campaign(context.actor, pk)

    return await run(operation())
