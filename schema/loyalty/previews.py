"""What a dry run answers: the effect a purchase or an award would have, nothing written."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from auth.context import Info
from schema.common import local_time
from services.loyalty.preview import PointsPreview, PurchasePreview

CENT = Decimal("0.01")
DRY_RUN = (
    "Executes the real operation in a transaction that is rolled back: the answer says what it "
    "would do; nothing is written (no row, no event, no webhook, no analytics)."
)


@strawberry.type(description="A promotion that would multiply some line's points.")
class PromotionApplied:
    name: str
    multiplier: Decimal


@strawberry.type(description="How the points would be made up (docs/loyalty.md, Earning).")
class EarningBreakdown:
    earn_rate: Decimal
    base_points: Decimal = strawberry.field(description="Amount paid x earnRate.")
    promotions: list[PromotionApplied]
    promoted_points: Decimal = strawberry.field(description="The base with the promotions.")
    tier_multiplier: Decimal
    offer_multiplier: Decimal = strawberry.field(description="Double-points offers and coupons.")
    points: int = strawberry.field(description="Rounded, before the daily cap.")


@strawberry.type(description="A coupon of the customer that would apply to this cart.")
class ApplicableCoupon:
    code: str
    offer_name: str
    discount: Decimal


@strawberry.type(description=DRY_RUN)
class PurchasePreviewType:
    preview: strawberry.Private[PurchasePreview]

    @strawberry.field
    def points_earned(self) -> int:
        return self.preview.points_earned

    @strawberry.field(description="Null for a purchase recorded already (its externalId).")
    def earning(self) -> EarningBreakdown | None:
        e = self.preview.earning
        if e is None:
            return None
        return EarningBreakdown(
            earn_rate=e.earn_rate,
            base_points=e.base.quantize(CENT),
            promotions=[PromotionApplied(name=n, multiplier=m) for n, m in e.promotions],
            promoted_points=e.promoted.quantize(CENT),
            tier_multiplier=e.tier_multiplier,
            offer_multiplier=e.offer_multiplier,
            points=e.points,
        )

    @strawberry.field(description="The daily cap would take some of the points.")
    def capped(self) -> bool:
        return self.preview.capped

    @strawberry.field
    def balance_before(self) -> int:
        return self.preview.balance_before

    @strawberry.field
    def balance_after(self) -> int:
        return self.preview.balance_after

    @strawberry.field
    def pending_after(self) -> int:
        return self.preview.pending_after

    @strawberry.field(description="Null when the customer is not a member yet.")
    def tier_before(self) -> str | None:
        return self.preview.tier_before

    @strawberry.field
    def tier_after(self) -> str | None:
        return self.preview.tier_after

    @strawberry.field
    def tier_changed(self) -> bool:
        return self.preview.tier_before != self.preview.tier_after

    @strawberry.field(description="The automatic double-points offer that would apply.")
    def multiplier_offer(self) -> str | None:
        return self.preview.multiplier_offer

    @strawberry.field(description="The multiplier coupon the purchase would use up.")
    def multiplier_coupon(self) -> str | None:
        return self.preview.multiplier_coupon

    @strawberry.field(description="The customer's coupons that redeemCoupon would accept here.")
    def applicable_coupons(self) -> list[ApplicableCoupon]:
        return [
            ApplicableCoupon(code=c.code, offer_name=c.offer_name, discount=c.discount)
            for c in self.preview.coupons
        ]

    @strawberry.field(description="The events it would emit, in order.")
    def events(self) -> list[str]:
        return list(self.preview.events)

    @strawberry.field(
        description="Recorded already (externalId): a real call would change nothing."
    )
    def replayed(self) -> bool:
        return self.preview.replayed


@strawberry.type(description=DRY_RUN)
class PointsPreviewType:
    preview: strawberry.Private[PointsPreview]

    @strawberry.field
    def points(self) -> int:
        return self.preview.points

    @strawberry.field
    def balance_before(self) -> int:
        return self.preview.balance_before

    @strawberry.field
    def balance_after(self) -> int:
        return self.preview.balance_after

    @strawberry.field(description="When the lot would expire, by the brand's rule.")
    def expires_at(self, info: Info) -> datetime | None:
        at = self.preview.expires_at
        return local_time(info, at) if at else None

    @strawberry.field
    def events(self) -> list[str]:
        return list(self.preview.events)

    @strawberry.field(description="The idempotency key was used already: nothing would change.")
    def replayed(self) -> bool:
        return self.preview.replayed
