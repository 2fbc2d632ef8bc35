"""The referral programme: codes, referrals, rewards and invites (tortoise app `referrals`).

One reward per referee and side is a unique constraint (`referral_rewards`), and a phone or
email is referred once per brand (`referrals`, by a hash of the normalised value).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ReferralSettings(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "crm.Brand", related_name="referral_settings", on_delete=fields.CASCADE
    )
    brand_id: int
    enabled = fields.BooleanField(default=True)
    trigger = fields.CharField(max_length=16, default="FIRST_PURCHASE")
    min_purchase = fields.DecimalField(max_digits=14, decimal_places=2, default=0)
    referrer_points = fields.IntField(default=0)
    referee_points = fields.IntField(default=0)
    referrer_offer_id = fields.BigIntField(null=True)
    referee_offer_id = fields.BigIntField(null=True)
    monthly_cap = fields.IntField(default=10)
    attribution_days = fields.IntField(default=30)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "referrals"
        table = "referral_settings"


class ReferralCode(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="referral_codes", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "crm.Customer", related_name="referral_code", on_delete=fields.CASCADE
    )
    customer_id: int
    code = fields.CharField(max_length=16)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "referrals"
        table = "referral_codes"
        unique_together = (("brand", "code"),)


class Referral(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="referrals", on_delete=fields.CASCADE
    )
    brand_id: int
    referrer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="referrals_made", on_delete=fields.CASCADE
    )
    referrer_id: int
    referee: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="referred_by", null=True, on_delete=fields.SET_NULL
    )
    referee_id: int | None
    # sha256 of the referee's normalised phone/email: kept after an erasure, so a phone or
    # email is never referred twice, without keeping the value itself.
    phone_hash = fields.CharField(max_length=64, null=True)
    email_hash = fields.CharField(max_length=64, null=True)
    status = fields.CharField(max_length=16, default="SIGNED_UP")
    converted_at = fields.DatetimeField(null=True)
    purchase_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "referrals"
        table = "referrals"
        unique_together = (("brand", "referee"), ("brand", "phone_hash"), ("brand", "email_hash"))
        indexes = (("brand_id", "referrer_id", "created_at"), ("brand_id", "created_at"))


class ReferralReward(Model):
    """A reward paid to one side of a referral, at most one per referral and side."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="referral_rewards", on_delete=fields.CASCADE
    )
    brand_id: int
    referral: fields.ForeignKeyRelation[Referral] = fields.ForeignKeyField(
        "referrals.Referral", related_name="rewards", on_delete=fields.CASCADE
    )
    referral_id: int
    side = fields.CharField(max_length=16)
    customer_id = fields.BigIntField()
    points = fields.IntField(default=0)
    points_transaction_id = fields.BigIntField(null=True)
    offer_id = fields.BigIntField(null=True)
    coupons = fields.IntField(default=0)
    month = fields.IntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "referrals"
        table = "referral_rewards"
        unique_together = (("referral", "side"),)
        indexes = (("brand_id", "customer_id", "month"), ("brand_id", "created_at"))


class ReferralInvite(Model):
    """A member told us they shared their code (the report's invites)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="referral_invites", on_delete=fields.CASCADE
    )
    brand_id: int
    referrer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="referral_invites", on_delete=fields.CASCADE
    )
    referrer_id: int
    channel = fields.CharField(max_length=32, default="OTHER")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "referrals"
        table = "referral_invites"
        indexes = (("brand_id", "created_at"),)
