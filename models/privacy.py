"""Consent per channel and a brand's privacy settings (tortoise app `privacy`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class CustomerConsent(Model):
    """Marketing consent on one channel: given or withdrawn, when, and how."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_consents", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="consents", on_delete=fields.CASCADE
    )
    customer_id: int
    channel = fields.CharField(max_length=16)
    granted = fields.BooleanField()
    source = fields.CharField(max_length=64)
    given_at = fields.DatetimeField()
    recorded_at = fields.DatetimeField(auto_now=True)
    recorded_by = fields.CharField(max_length=200)

    class Meta:
        app = "privacy"
        table = "customer_consents"
        unique_together = (("customer", "channel"),)
        indexes = (("brand_id", "channel", "granted"),)


class PrivacySettings(Model):
    """A brand's opt-in to phone and email encrypted at rest (docs/privacy.md)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "crm.Brand", related_name="privacy_settings", on_delete=fields.CASCADE
    )
    brand_id: int
    encrypt_contacts = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "privacy"
        table = "privacy_settings"
