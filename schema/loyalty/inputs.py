from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from services.loyalty.purchases import ItemSpec


@strawberry.input
class PurchaseItemInput:
    sku: str
    name: str
    category: str | None = None
    quantity: int = 1
    unit_price: Decimal

    def to_spec(self) -> ItemSpec:
        return ItemSpec(self.sku, self.name, self.category, self.quantity, self.unit_price)


@strawberry.input
class RecordPurchaseInput:
    customer_id: strawberry.ID
    amount: Decimal
    items: list[PurchaseItemInput] = strawberry.field(default_factory=list)
    store_id: str | None = None
    channel: str | None = None
    occurred_at: datetime | None = strawberry.field(default=None, description="Default: now.")
    external_id: str | None = strawberry.field(
        default=None, description="Makes the call idempotent per brand: recorded once."
    )
    dry_run: bool = strawberry.field(
        default=False, description="Answer `preview` (what it would do) and write nothing."
    )


@strawberry.input
class RefundPurchaseInput:
    purchase_id: strawberry.ID
    amount: Decimal | None = strawberry.field(default=None, description="Default: what is left.")


@strawberry.input
class EnrollMemberInput:
    customer_id: strawberry.ID


@strawberry.input
class SetMemberTierInput:
    customer_id: strawberry.ID
    tier: str = strawberry.field(description="The tier's name.")
    until: datetime | None = None
    reason: str = ""


@strawberry.input
class TierInput:
    name: str
    rank: int
    min_lifetime_spend: Decimal | None = None
    window_days: int | None = None
    window_spend: Decimal | None = None
    consecutive_months: int | None = None
    monthly_min: Decimal | None = None
    min_lifetime_points: int | None = None
    discount_percent: Decimal = Decimal(0)
    points_multiplier: Decimal = Decimal(1)
    birthday_bonus_points: int = 0
    priority_booking: bool = False
    free_services: str = ""

    def values(self) -> dict[str, Any]:
        return dict(vars(self))


@strawberry.input
class SetTierLadderInput:
    tiers: list[TierInput]


@strawberry.input
class PromotionInput:
    name: str
    multiplier: Decimal
    from_: str | None = strawberry.field(default=None, name="from", description="YYYY-MM-DD")
    to: str | None = None
    weekdays: list[int] = strawberry.field(default_factory=list, description="1 = Monday")
    category: str | None = None

    def values(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "multiplier": str(self.multiplier),
            "from": self.from_,
            "to": self.to,
            "weekdays": self.weekdays,
            "category": self.category,
        }


@strawberry.input(description="Only the fields given are changed.")
class SetLoyaltySettingsInput:
    earn_rate: Decimal | None = strawberry.UNSET
    rounding: str | None = strawberry.UNSET
    expiry_rule: str | None = strawberry.UNSET
    expiry_days: int | None = strawberry.UNSET
    pending_days: int | None = strawberry.UNSET
    daily_cap: int | None = strawberry.UNSET
    promotions: list[PromotionInput] | None = strawberry.UNSET
    downgrade_policy: str | None = strawberry.UNSET
    review_days: int | None = strawberry.UNSET
    grace_days: int | None = strawberry.UNSET
    new_days: int | None = strawberry.UNSET
    at_risk_days: int | None = strawberry.UNSET
    churned_days: int | None = strawberry.UNSET
    coupon_refund_rule: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="When a refund gives back a coupon redeemed on the purchase: FULL (the "
        "whole purchase refunded; default), ANY (the first refund, even partial) or NEVER.",
    )

    def changes(self) -> dict[str, Any]:
        values = {k: v for k, v in vars(self).items() if v is not strawberry.UNSET}
        if "promotions" in values:
            values["promotions"] = [p.values() for p in values["promotions"] or []]
        return values


@strawberry.input
class PointsInput:
    customer_id: strawberry.ID
    points: int
    reason: str = ""
    idempotency_key: str | None = None


@strawberry.input
class AwardPointsInput(PointsInput):
    source: str = strawberry.field(default="staff", description="offer ticket survey staff ...")
    dry_run: bool = strawberry.field(
        default=False, description="Answer `preview` (what it would do) and write nothing."
    )


@strawberry.input
class AdjustPointsInput(PointsInput):
    pass


@strawberry.input
class IssueCustomerTokenInput:
    customer_id: strawberry.ID
