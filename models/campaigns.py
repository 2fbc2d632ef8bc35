"""Campaigns (tortoise app `campaigns`): a segment, offers, a window and a random holdout."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Campaign(Model):
    """DRAFT until launched: the launch snapshots the segment into `campaign_members` once."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="campaigns", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    # The members are snapshotted at launch, so the campaign outlives its segment.
    segment: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "segments.Segment", related_name="campaigns", null=True, on_delete=fields.SET_NULL
    )
    segment_id: int | None
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    holdout_percent = fields.DecimalField(max_digits=5, decimal_places=2)
    seed = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16, default="DRAFT")
    created_by = fields.CharField(max_length=200)
    launched_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "campaigns"
        table = "campaigns"
        unique_together = (("brand", "name"),)
        indexes = (("brand_id", "created_at"),)


class CampaignOffer(Model):
    """An offer of a campaign and, once launched, the bulk issuance that gave its coupons."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="campaign_offers", on_delete=fields.CASCADE
    )
    brand_id: int
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "campaigns.Campaign", related_name="offers", on_delete=fields.CASCADE
    )
    campaign_id: int
    offer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "offers.Offer", related_name="campaign_offers", on_delete=fields.CASCADE
    )
    offer_id: int
    issue: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "offers.OfferIssue", related_name="campaign_offers", null=True, on_delete=fields.SET_NULL
    )
    issue_id: int | None
    issued = fields.IntField(default=0)

    class Meta:
        app = "campaigns"
        table = "campaign_offers"
        unique_together = (("campaign", "offer"),)


class CampaignMember(Model):
    """A targeted customer, in the TREATED or the HOLDOUT arm (fixed at launch)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="campaign_members", on_delete=fields.CASCADE
    )
    brand_id: int
    campaign: fields.ForeignKeyRelation[Campaign] = fields.ForeignKeyField(
        "campaigns.Campaign", related_name="members", on_delete=fields.CASCADE
    )
    campaign_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="campaign_memberships", on_delete=fields.CASCADE
    )
    customer_id: int
    arm = fields.CharField(max_length=8)

    class Meta:
        app = "campaigns"
        table = "campaign_members"
        unique_together = (("campaign", "customer"),)
        indexes = (("campaign_id", "arm", "customer_id"), ("customer_id",))
