"""Referrals, their rewards, the programme settings and the report."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from auth.context import Info
from resolvers.customers import loaders as customer_loaders
from resolvers.ids import to_global_id
from resolvers.referrals import resolvers
from schema.common import Node, local_time
from services.referrals.report import ReferralReport

if TYPE_CHECKING:
    from models.referrals import Referral, ReferralReward, ReferralSettings
    from schema.customers.types import CustomerType
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Referral = object

LazyCustomer = Annotated["CustomerType", strawberry.lazy("schema.customers.types")]


@strawberry.type(name="ReferralReward", description="What one side of a referral was paid.")
class ReferralRewardType(Node):
    side: str = strawberry.field(description="REFERRER or REFEREE.")
    points: int
    coupons: int

    @classmethod
    def from_model(cls, r: ReferralReward) -> ReferralRewardType:
        return cls(
            id=strawberry.ID(to_global_id("ReferralReward", r.id)),
            side=r.side,
            points=r.points,
            coupons=r.coupons,
        )


async def _customer(info: Info, pk: int | None) -> LazyCustomer | None:
    from schema.customers.types import CustomerType

    if pk is None:
        return None
    found = await customer_loaders.customer_by_id(info.context, pk)
    return CustomerType.from_model(found) if found else None


@strawberry.type(name="Referral", description="A customer who signed up with another's code.")
class ReferralType(Node):
    status: str = strawberry.field(description="SIGNED_UP, then CONVERTED once rewarded.")
    model: strawberry.Private[Referral]

    @classmethod
    def from_model(cls, r: Referral) -> ReferralType:
        return cls(id=strawberry.ID(to_global_id("Referral", r.id)), status=r.status, model=r)

    @strawberry.field
    async def referrer(self, info: Info) -> LazyCustomer | None:
        return await _customer(info, self.model.referrer_id)

    @strawberry.field(description="Null once the referee was erased.")
    async def referee(self, info: Info) -> LazyCustomer | None:
        return await _customer(info, self.model.referee_id)

    @strawberry.field
    async def rewards(self, info: Info) -> list[ReferralRewardType]:
        rows = await resolvers.rewards_of(info.context, self.model)
        return [ReferralRewardType.from_model(r) for r in rows]

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field
    def converted_at(self, info: Info) -> datetime | None:
        value = self.model.converted_at
        return local_time(info, value) if value else None


@strawberry.type(name="ReferralSettings", description="The brand's referral programme.")
class ReferralSettingsType(Node):
    enabled: bool
    trigger: str = strawberry.field(description="SIGNUP or FIRST_PURCHASE.")
    min_purchase: Decimal = strawberry.field(description="For FIRST_PURCHASE: the least amount.")
    referrer_points: int
    referee_points: int
    referrer_offer_id: strawberry.ID | None
    referee_offer_id: strawberry.ID | None
    monthly_cap: int = strawberry.field(description="Rewarded referrals per referrer a month.")
    attribution_days: int = strawberry.field(
        description="How long after sign-up a customer may still apply a code."
    )

    @classmethod
    def from_model(cls, s: ReferralSettings) -> ReferralSettingsType:
        def offer(pk: int | None) -> strawberry.ID | None:
            return strawberry.ID(to_global_id("Offer", pk)) if pk else None

        return cls(
            id=strawberry.ID(to_global_id("ReferralSettings", s.id)),
            enabled=s.enabled,
            trigger=s.trigger,
            min_purchase=s.min_purchase,
            referrer_points=s.referrer_points,
            referee_points=s.referee_points,
            referrer_offer_id=offer(s.referrer_offer_id),
            referee_offer_id=offer(s.referee_offer_id),
            monthly_cap=s.monthly_cap,
            attribution_days=s.attribution_days,
        )


@strawberry.type(name="ReferralReport")
class ReferralReportType:
    invites: int = strawberry.field(description="Codes members said they shared.")
    sign_ups: int = strawberry.field(description="Customers attributed to a referrer.")
    first_purchases: int = strawberry.field(description="Referrals converted by a purchase.")
    rewards_paid: int
    points_paid: int
    coupons_issued: int
    new_customers: int
    referral_rate: float | None = strawberry.field(
        description="signUps / newCustomers, percent (null without new customers)."
    )

    @classmethod
    def from_report(cls, r: ReferralReport) -> ReferralReportType:
        return cls(
            invites=r.invites,
            sign_ups=r.sign_ups,
            first_purchases=r.first_purchases,
            rewards_paid=r.rewards_paid,
            points_paid=r.points_paid,
            coupons_issued=r.coupons_issued,
            new_customers=r.new_customers,
            referral_rate=r.referral_rate,
        )
