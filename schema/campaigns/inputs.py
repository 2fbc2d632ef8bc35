from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry


@strawberry.input(description="Saved as a DRAFT; nothing is issued until launchCampaign.")
class CreateCampaignInput:
    name: str
    description: str = ""
    segment_id: strawberry.ID = strawberry.field(description="The segment to target.")
    offer_ids: list[strawberry.ID] = strawberry.field(description="1-20 offers of the brand.")
    starts_at: datetime = strawberry.field(description="Revenue is measured in [startsAt, endsAt).")
    ends_at: datetime
    holdout_percent: Decimal = strawberry.field(
        description="0-50: this share of the members, chosen at random, gets nothing."
    )


@strawberry.input
class LaunchCampaignInput:
    campaign_id: strawberry.ID
