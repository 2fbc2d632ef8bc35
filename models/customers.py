from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.brands import Brand
from models.sealed import SealedCharField


class Customer(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="customers", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=200)
    # E.164 and lower-case; for a brand that opted in to encryption at rest, ciphertext
    # ("enc1:<key id>:...", models/sealed.py) with a keyed hash for lookups (docs/privacy.md).
    phone = SealedCharField(max_length=200, null=True)
    email = SealedCharField(max_length=512, null=True)
    phone_hash = fields.CharField(max_length=64, null=True)
    email_hash = fields.CharField(max_length=64, null=True)
    gender = fields.CharField(max_length=16, default="UNKNOWN")
    birthday = fields.DateField(null=True)
    city = fields.CharField(max_length=100, null=True)
    region = fields.CharField(max_length=100, null=True)
    address = fields.CharField(max_length=500, null=True)
    acquisition_channel = fields.CharField(max_length=64, null=True)
    marketing_consent = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    # Erased on request (services/privacy/erasure.py): the row stays, anonymised, for what is
    # kept for accounting; lists, segments and tokens leave it out.
    erased_at = fields.DatetimeField(null=True)

    class Meta:
        table = "customers"
        unique_together = (
            ("brand", "phone"),
            ("brand", "email"),
            ("brand", "phone_hash"),
            ("brand", "email_hash"),
        )
        indexes = (("brand_id", "created_at"), ("brand_id", "name"), ("brand_id", "updated_at"))


class CustomerTag(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_tags", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "crm.Customer", related_name="tags", on_delete=fields.CASCADE
    )
    customer_id: int
    tag = fields.CharField(max_length=64)

    class Meta:
        table = "customer_tags"
        unique_together = (("customer", "tag"),)
        indexes = (("brand_id", "tag"),)


class CustomerExternalId(Model):
    """The id a partner system (POS, shop, delivery platform) uses for this customer."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_external_ids", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "crm.Customer", related_name="external_ids", on_delete=fields.CASCADE
    )
    customer_id: int
    system = fields.CharField(max_length=64)
    external_id = fields.CharField(max_length=200)

    class Meta:
        table = "customer_external_ids"
        unique_together = (("brand", "system", "external_id"), ("customer", "system"))


class CustomerNote(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_notes", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "crm.Customer", related_name="notes", on_delete=fields.CASCADE
    )
    customer_id: int
    body = fields.TextField()
    author = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "customer_notes"
        indexes = (("customer_id", "created_at"),)
