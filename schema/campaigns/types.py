"""Campaign and its stats."""

from __future__ import annotations

import asyncio
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.campaigns import loaders, queries
from resolvers.ids import to_global_id
from resolvers.offers import loaders as offer_loaders
from schema.common import Edge, Node, PageInfo, edges, local_time
from schema.offers.types import OfferType
from schema.segments.types import SegmentType
from services.campaigns.stats import CampaignStats, Uplift
from services.common.pagination import Page

if TYPE_CHECKING:
    from models.campaigns import Campaign
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Campaign = object


@strawberry.enum
class CampaignStatus(Enum):
    DRAFT = "DRAFT"
    LAUNCHED = "LAUNCHED"
    ENDED = "ENDED"


@strawberry.type(
    name="CampaignUplift",
    description="Treated minus holdout revenue per customer, with 95% intervals (z = 1.96).",
)
class CampaignUpliftType:
    absolute: Decimal | None = strawberry.field(
        description="Treated RPC - holdout RPC, in the brand's currency."
    )
    percent: float | None = strawberry.field(description="absolute / holdout RPC, in percent.")
    confidence_low: Decimal | None = strawberry.field(
        description="95% interval of `absolute` (Welch standard error, normal approximation)."
    )
    confidence_high: Decimal | None
    percent_confidence_low: float | None = strawberry.field(
        description="95% interval of `percent` (delta method)."
    )
    percent_confidence_high: float | None
    significant: bool | None = strawberry.field(
        description="The interval of `absolute` excludes zero; null below two per group."
    )

    @classmethod
    def from_uplift(cls, u: Uplift) -> CampaignUpliftType:
        return cls(
            absolute=u.absolute,
            percent=u.percent,
            confidence_low=u.confidence_low,
            confidence_high=u.confidence_high,
            percent_confidence_low=u.percent_low,
            percent_confidence_high=u.percent_high,
            significant=u.significant,
        )


@strawberry.type(
    name="CampaignStats",
    description="Reach, coupons and revenue of the treated against the holdout in the window.",
)
class CampaignStatsType:
    targeted: int = strawberry.field(description="Members snapshotted at launch.")
    treated: int
    holdout: int = strawberry.field(description="Members who got nothing, chosen at random.")
    issued: int = strawberry.field(description="Coupons the launch issued to the treated.")
    redeemed: int
    redemption_rate: float | None = strawberry.field(description="Percent of issued redeemed.")
    participants: int = strawberry.field(description="Treated members who redeemed a coupon.")
    participation_rate: float | None = strawberry.field(description="Percent of the treated.")
    treated_revenue: Decimal = strawberry.field(
        description="Net spend (purchases minus refunds) of the treated during the window."
    )
    holdout_revenue: Decimal
    treated_revenue_per_customer: Decimal | None
    holdout_revenue_per_customer: Decimal | None
    treated_revenue_per_customer_before: Decimal | None = strawberry.field(
        description="Over the same length of time just before the window (a balance check)."
    )
    holdout_revenue_per_customer_before: Decimal | None
    uplift: CampaignUpliftType
    incremental_revenue: Decimal | None = strawberry.field(
        description="uplift.absolute x treated: revenue the campaign added."
    )
    discount_cost: Decimal = strawberry.field(description="Discounts of redeemed coupons.")
    points_spent: int = strawberry.field(
        description="Points the treated paid to claim the campaign's offers in the window."
    )
    return_on_cost: float | None = strawberry.field(
        description="incrementalRevenue / discountCost; null without a discount cost."
    )
    stats: strawberry.Private[CampaignStats]

    @strawberry.field
    def window_start(self, info: Info) -> datetime:
        return local_time(info, self.stats.window_start)

    @strawberry.field
    def window_end(self, info: Info) -> datetime:
        return local_time(info, self.stats.window_end)

    @classmethod
    def from_stats(cls, s: CampaignStats) -> CampaignStatsType:
        return cls(
            targeted=s.targeted,
            treated=s.treated,
            holdout=s.holdout,
            issued=s.issued,
            redeemed=s.redeemed,
            redemption_rate=s.redemption_rate,
            participants=s.participants,
            participation_rate=s.participation_rate,
            treated_revenue=s.treated_revenue,
            holdout_revenue=s.holdout_revenue,
            treated_revenue_per_customer=s.treated_revenue_per_customer,
            holdout_revenue_per_customer=s.holdout_revenue_per_customer,
            treated_revenue_per_customer_before=s.treated_revenue_per_customer_before,
            holdout_revenue_per_customer_before=s.holdout_revenue_per_customer_before,
            uplift=CampaignUpliftType.from_uplift(s.uplift),
            incremental_revenue=s.incremental_revenue,
            discount_cost=s.discount_cost,
            points_spent=s.points_spent,
            return_on_cost=s.return_on_cost,
            stats=s,
        )


@strawberry.type(
    name="Campaign",
    description="Offers for a segment in a window, with a random holdout to measure uplift.",
)
class CampaignType(Node):
    name: str
    description: str
    holdout_percent: Decimal = strawberry.field(description="Share of the members held out.")
    created_by: str
    model: strawberry.Private[Campaign]

    @classmethod
    def from_model(cls, c: Campaign) -> CampaignType:
        return cls(
            id=strawberry.ID(to_global_id("Campaign", c.id)),
            name=c.name,
            description=c.description,
            holdout_percent=c.holdout_percent,
            created_by=c.created_by,
            model=c,
        )

    @strawberry.field(description="ENDED once a launched campaign's window is over.")
    def status(self) -> CampaignStatus:
        return CampaignStatus(queries.status_of(self.model))

    @strawberry.field
    def starts_at(self, info: Info) -> datetime:
        return local_time(info, self.model.starts_at)

    @strawberry.field
    def ends_at(self, info: Info) -> datetime:
        return local_time(info, self.model.ends_at)

    @strawberry.field
    def launched_at(self, info: Info) -> datetime | None:
        at = self.model.launched_at
        return local_time(info, at) if at else None

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field(description="Null if the segment was deleted after launch.")
    async def segment(self, info: Info) -> SegmentType | None:
        found = await loaders.segment(info.context, self.model)
        return SegmentType.from_model(found) if found else None

    @strawberry.field
    async def offers(self, info: Info) -> list[OfferType]:
        brand_id = self.model.brand_id
        ids = await loaders.offer_ids(info.context, self.model)
        found = await asyncio.gather(
            *(offer_loaders.offer_by_id(info.context, brand_id, pk) for pk in ids)
        )
        return [OfferType.from_model(offer) for offer in found if offer is not None]

    @strawberry.field(description="Null before launch. A few aggregate queries: ask sparingly.")
    async def stats(self, info: Info) -> CampaignStatsType | None:
        found = await queries.stats(info.context, self.model)
        return CampaignStatsType.from_stats(found) if found else None


@strawberry.type
class CampaignConnection:
    edges: list[Edge[CampaignType]]
    page_info: PageInfo

    @strawberry.field
    async def total_count(self, info: Info) -> int:
        return await queries.campaign_count(info.context)

    @classmethod
    def from_page(cls, page: Page[Campaign]) -> CampaignConnection:
        return cls(
            edges=edges(page, CampaignType.from_model),
            page_info=PageInfo.from_page(page),
        )
