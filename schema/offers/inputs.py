from __future__ import annotations

from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry

from schema.offers.types import OfferKind, OfferTrigger
from services.offers.coupons import Cart, CartItem

U: Any = strawberry.UNSET


def changes_of(data: object) -> dict[str, Any]:
    """The fields a client gave (UNSET left out), enums as their values, ids as strings."""
    out: dict[str, Any] = {}
    for f in dataclass_fields(data):  # type: ignore[arg-type]
        if f.name == "id":
            continue
        value = getattr(data, f.name)
        if value is strawberry.UNSET:
            continue
        out[f.name] = value.value if isinstance(value, Enum) else value
    return out


@strawberry.input(description="Eligibility: tiers (names), segment, stages, birthday, new members.")
class CreateOfferInput:
    kind: OfferKind
    title: str
    description: str | None = None
    image_url: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    coupon_days: int | None = None
    amount: Decimal | None = strawberry.field(default=None, description="AMOUNT_OFF: money off.")
    percent: Decimal | None = strawberry.field(default=None, description="PERCENT_OFF: 0-100.")
    item_sku: str | None = strawberry.field(default=None, description="FREE_ITEM / GIFT item.")
    item_value: Decimal | None = None
    multiplier: Decimal | None = strawberry.field(default=None, description="POINTS_MULTIPLIER.")
    automatic: bool | None = None
    tiers: list[str] | None = None
    segment_id: strawberry.ID | None = None
    lifecycle_stages: list[str] | None = None
    birthday_month: bool | None = None
    new_members_only: bool | None = None
    min_purchase: Decimal | None = None
    stores: list[str] | None = None
    channels: list[str] | None = None
    stock: int | None = strawberry.field(default=None, description="Total coupons; null: no cap.")
    budget: Decimal | None = strawberry.field(default=None, description="Total discount value.")
    per_customer_limit: int | None = None
    points_cost: int | None = None
    trigger: OfferTrigger | None = None
    trigger_tier: str | None = None
    active: bool | None = None


@strawberry.input(description="Only the fields given change; null clears an optional one.")
class UpdateOfferInput:
    id: strawberry.ID
    kind: OfferKind | None = U
    title: str | None = U
    description: str | None = U
    image_url: str | None = U
    starts_at: datetime | None = U
    ends_at: datetime | None = U
    coupon_days: int | None = U
    amount: Decimal | None = U
    percent: Decimal | None = U
    item_sku: str | None = U
    item_value: Decimal | None = U
    multiplier: Decimal | None = U
    automatic: bool | None = U
    tiers: list[str] | None = U
    segment_id: strawberry.ID | None = U
    lifecycle_stages: list[str] | None = U
    birthday_month: bool | None = U
    new_members_only: bool | None = U
    min_purchase: Decimal | None = U
    stores: list[str] | None = U
    channels: list[str] | None = U
    stock: int | None = U
    budget: Decimal | None = U
    per_customer_limit: int | None = U
    points_cost: int | None = U
    trigger: OfferTrigger | None = U
    trigger_tier: str | None = U
    active: bool | None = U


@strawberry.input
class IssueOfferInput:
    offer_id: strawberry.ID
    customer_ids: list[strawberry.ID] | None = None
    segment_id: strawberry.ID | None = None
    idempotency_key: str = strawberry.field(description="A retry with the same key issues nothing.")
    dry_run: bool = strawberry.field(
        default=False, description="Answer how many coupons would be issued; write nothing."
    )


@strawberry.input
class ClaimOfferInput:
    offer_id: strawberry.ID


@strawberry.input
class RedeemCouponInput:
    code: str
    purchase_id: strawberry.ID
    dry_run: bool = strawberry.field(
        default=False, description="Answer the coupon as it would be redeemed; write nothing."
    )


@strawberry.input
class VoidCouponInput:
    coupon_id: strawberry.ID


@strawberry.input
class CartItemInput:
    sku: str
    category: str | None = None
    quantity: int = 1
    unit_price: Decimal


@strawberry.input
class CartInput:
    amount: Decimal
    items: list[CartItemInput] = strawberry.field(default_factory=list)
    store_id: str | None = None
    channel: str | None = None
    customer_id: strawberry.ID | None = strawberry.field(
        default=None, description="When given, the coupon must be this customer's."
    )

    def to_cart(self, customer_pk: int | None) -> Cart:
        items = [CartItem(i.sku, i.category, i.quantity, i.unit_price) for i in self.items]
        return Cart(self.amount, items, self.store_id, self.channel, customer_pk)


@strawberry.input
class OfferFilter:
    kind: OfferKind | None = None
    active: bool | None = None
    trigger: OfferTrigger | None = None
