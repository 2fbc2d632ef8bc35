"""Offers and their coupons (tortoise app `offers`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Offer(Model):
    """What a coupon gives, to whom, and the counters its row lock protects (stock, budget)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="offers", on_delete=fields.CASCADE
    )
    brand_id: int
    kind = fields.CharField(max_length=24)
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    image_url = fields.CharField(max_length=500, null=True)
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)
    coupon_days = fields.IntField(null=True)
    amount = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    percent = fields.DecimalField(max_digits=5, decimal_places=2, null=True)
    item_sku = fields.CharField(max_length=64, null=True)
    item_value = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    multiplier = fields.DecimalField(max_digits=6, decimal_places=2, null=True)
    automatic = fields.BooleanField(default=False)
    tiers: fields.JSONField[list[str]] = fields.JSONField(default=list)
    segment: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "segments.Segment", related_name="offers", null=True, on_delete=fields.SET_NULL
    )
    segment_id: int | None
    lifecycle_stages: fields.JSONField[list[str]] = fields.JSONField(default=list)
    birthday_month = fields.BooleanField(default=False)
    new_members_only = fields.BooleanField(default=False)
    min_purchase = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    stores: fields.JSONField[list[str]] = fields.JSONField(default=list)
    channels: fields.JSONField[list[str]] = fields.JSONField(default=list)
    stock = fields.IntField(null=True)
    issued_count = fields.IntField(default=0)
    budget = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    spent = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    per_customer_limit = fields.IntField(default=1)
    points_cost = fields.IntField(null=True)
    trigger = fields.CharField(max_length=16, null=True)
    trigger_tier = fields.CharField(max_length=64, null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "offers"
        table = "offers"
        indexes = (("brand_id", "created_at"), ("brand_id", "trigger"))


class OfferIssue(Model):
    """One bulk issuance, remembered by its idempotency key so a retry issues nothing twice."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="offer_issues", on_delete=fields.CASCADE
    )
    brand_id: int
    offer: fields.ForeignKeyRelation[Offer] = fields.ForeignKeyField(
        "offers.Offer", related_name="issues", on_delete=fields.CASCADE
    )
    offer_id: int
    idempotency_key = fields.CharField(max_length=200)
    fingerprint = fields.CharField(max_length=64)
    issued_count = fields.IntField(default=0)
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "offers"
        table = "offer_issues"
        unique_together = (("brand", "idempotency_key"),)


class Coupon(Model):
    """One customer's right to an offer: ISSUED, then REDEEMED once, or EXPIRED, or VOID."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="coupons", on_delete=fields.CASCADE
    )
    brand_id: int
    offer: fields.ForeignKeyRelation[Offer] = fields.ForeignKeyField(
        "offers.Offer", related_name="coupons", on_delete=fields.CASCADE
    )
    offer_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="coupons", on_delete=fields.CASCADE
    )
    customer_id: int
    code = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="ISSUED")
    issued_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)
    redeemed_at = fields.DatetimeField(null=True)
    purchase: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "crm.Purchase", related_name="coupons", null=True, on_delete=fields.SET_NULL
    )
    purchase_id: int | None
    discount = fields.DecimalField(max_digits=14, decimal_places=2, null=True)
    issue: fields.ForeignKeyNullableRelation[OfferIssue] = fields.ForeignKeyField(
        "offers.OfferIssue", related_name="coupons", null=True, on_delete=fields.SET_NULL
    )
    issue_id: int | None
    # Scheduled issuance: "2026" (birthday year), "welcome", "tier:<change id>"; one per period.
    period = fields.CharField(max_length=64, null=True)
    source = fields.CharField(max_length=16, default="ISSUE")

    class Meta:
        app = "offers"
        table = "coupons"
        unique_together = (("brand", "code"), ("offer", "customer", "period"))
        # (offer, customer, period) also serves the per-customer limit counts by offer.
        indexes = (("brand_id", "customer_id", "status"), ("brand_id", "purchase_id"))
