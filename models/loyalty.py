"""Loyalty: settings, tier ladder, memberships, purchases, the points ledger, RFM stats."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.brands import Brand
from models.customers import Customer


class LoyaltySettings(Model):
    """Loyalty rules of one brand, created with defaults on first use."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.OneToOneRelation[Brand] = fields.OneToOneField(
        "crm.Brand", related_name="loyalty_settings", on_delete=fields.CASCADE
    )
    brand_id: int
    earn_rate = fields.DecimalField(max_digits=10, decimal_places=4, default=1)
    rounding = fields.CharField(max_length=8, default="FLOOR")
    expiry_rule = fields.CharField(max_length=16, default="NEVER")
    expiry_days = fields.IntField(default=365)
    pending_days = fields.IntField(default=0)
    daily_cap = fields.IntField(null=True)
    promotions: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    downgrade_policy = fields.CharField(max_length=16, default="ROLLING")
    review_days = fields.IntField(default=90)
    grace_days = fields.IntField(default=30)
    new_days = fields.IntField(default=30)
    at_risk_days = fields.IntField(default=90)
    churned_days = fields.IntField(default=180)
    # When a refund gives a coupon redeemed on the purchase back (docs/offers.md): FULL (the
    # whole purchase refunded), ANY (the first refund, even partial) or NEVER.
    coupon_refund_rule = fields.CharField(max_length=8, default="FULL")

    class Meta:
        table = "loyalty_settings"


class Tier(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="tiers", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=64)
    rank = fields.IntField()
    min_lifetime_spend = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    window_days = fields.IntField(null=True)
    window_spend = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    consecutive_months = fields.IntField(null=True)
    monthly_min = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    min_lifetime_points = fields.BigIntField(null=True)
    discount_percent = fields.DecimalField(max_digits=5, decimal_places=2, default=0)
    points_multiplier = fields.DecimalField(max_digits=6, decimal_places=2, default=1)
    birthday_bonus_points = fields.IntField(default=0)
    priority_booking = fields.BooleanField(default=False)
    free_services = fields.TextField(default="")

    class Meta:
        table = "tiers"
        unique_together = (("brand", "rank"), ("brand", "name"))


class Membership(Model):
    """A member and the balance row that is locked for every points change."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="memberships", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "crm.Customer", related_name="membership", on_delete=fields.CASCADE
    )
    customer_id: int
    member_number = fields.CharField(max_length=32)
    tier: fields.ForeignKeyNullableRelation[Tier] = fields.ForeignKeyField(
        "crm.Tier", related_name="members", null=True, on_delete=fields.SET_NULL
    )
    tier_id: int | None
    tier_since = fields.DatetimeField()
    manual_tier: fields.ForeignKeyNullableRelation[Tier] = fields.ForeignKeyField(
        "crm.Tier", related_name="manual_members", null=True, on_delete=fields.SET_NULL
    )
    manual_tier_id: int | None
    manual_tier_until = fields.DatetimeField(null=True)
    status = fields.CharField(max_length=16, default="ACTIVE")
    next_review_at = fields.DatetimeField(null=True)
    review_rank = fields.IntField(null=True)
    available = fields.BigIntField(default=0)
    pending = fields.BigIntField(default=0)
    lifetime_earned = fields.BigIntField(default=0)
    redeemed = fields.BigIntField(default=0)
    expired = fields.BigIntField(default=0)
    enrolled_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "memberships"
        unique_together = (("brand", "member_number"),)


class TierChange(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="tier_changes", on_delete=fields.CASCADE
    )
    brand_id: int
    membership: fields.ForeignKeyRelation[Membership] = fields.ForeignKeyField(
        "crm.Membership", related_name="tier_changes", on_delete=fields.CASCADE
    )
    membership_id: int
    from_tier = fields.CharField(max_length=64, null=True)
    to_tier = fields.CharField(max_length=64, null=True)
    reason = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tier_changes"
        indexes = (("membership_id", "created_at"),)


class Purchase(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="purchases", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "crm.Customer", related_name="purchases", on_delete=fields.CASCADE
    )
    customer_id: int
    amount = fields.DecimalField(max_digits=14, decimal_places=2)
    refunded_amount = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    points_earned = fields.BigIntField(default=0)
    points_reversed = fields.BigIntField(default=0)
    points_unrecovered = fields.BigIntField(default=0)
    store: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "stores.Store", related_name="purchases", null=True, on_delete=fields.SET_NULL
    )
    store_id: int | None
    channel = fields.CharField(max_length=64, null=True)
    external_id = fields.CharField(max_length=200, null=True)
    occurred_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "purchases"
        unique_together = (("brand", "external_id"),)
        indexes = (("customer_id", "occurred_at"),)


class PurchaseItem(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="purchase_items", on_delete=fields.CASCADE
    )
    brand_id: int
    purchase: fields.ForeignKeyRelation[Purchase] = fields.ForeignKeyField(
        "crm.Purchase", related_name="items", on_delete=fields.CASCADE
    )
    purchase_id: int
    sku = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    category = fields.CharField(max_length=64, null=True)
    quantity = fields.IntField()
    unit_price = fields.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        table = "purchase_items"
        indexes = (("purchase_id",),)


class DailySpend(Model):
    """Net spend of a customer per day in the brand time zone, in cents, for tier rules."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="daily_spend", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "crm.Customer", related_name="daily_spend", on_delete=fields.CASCADE
    )
    customer_id: int
    day = fields.IntField()
    month = fields.IntField()
    cents = fields.BigIntField(default=0)
    purchases = fields.IntField(default=0)

    class Meta:
        table = "daily_spend"
        unique_together = (("customer", "day"),)
        indexes = (("brand_id", "customer_id", "month"),)


class PointsTransaction(Model):
    """One append-only ledger entry. EARN and positive ADJUST rows are lots with a remainder."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="points_transactions", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "crm.Customer", related_name="points_transactions", on_delete=fields.CASCADE
    )
    customer_id: int
    kind = fields.CharField(max_length=16)
    amount = fields.BigIntField()
    balance_after = fields.BigIntField()
    reason = fields.CharField(max_length=500, default="")
    source = fields.CharField(max_length=16)
    actor = fields.CharField(max_length=200)
    idempotency_key = fields.CharField(max_length=200, null=True)
    fingerprint = fields.CharField(max_length=64, null=True)
    purchase: fields.ForeignKeyNullableRelation[Purchase] = fields.ForeignKeyField(
        "crm.Purchase", related_name="points_transactions", null=True, on_delete=fields.SET_NULL
    )
    purchase_id: int | None
    lot_points = fields.BigIntField(default=0)
    remaining = fields.BigIntField(default=0)
    pending_until = fields.DatetimeField(null=True)
    expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "points_transactions"
        unique_together = (("brand", "idempotency_key"),)
        indexes = (("customer_id", "created_at"), ("brand_id", "expires_at"))


class CustomerStats(Model):
    """RFM and lifecycle of a customer, kept current on purchase and by analytics refresh."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_stats", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "crm.Customer", related_name="stats", on_delete=fields.CASCADE
    )
    customer_id: int
    first_day = fields.IntField(null=True)
    last_day = fields.IntField(null=True)
    frequency = fields.IntField(default=0)
    monetary_cents = fields.BigIntField(default=0)
    recency_days = fields.IntField(null=True)
    score = fields.IntField(null=True)
    lifecycle_stage = fields.CharField(max_length=16, default="PROSPECT")
    value_tier = fields.CharField(max_length=16, null=True)

    class Meta:
        table = "customer_stats"
        indexes = (("brand_id", "lifecycle_stage"), ("brand_id", "value_tier"))
