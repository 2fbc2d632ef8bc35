"""Brand-defined customer attributes (tortoise app `attributes`): a typed definition per key,
and one value row per customer and attribute.

Values sit in a column of their type, so filters and segment rules compare typed values
through an index on (attribute, value, customer): `value_text` holds STRING and ENUM values and
DATE values as ISO dates (which sort as dates), `value_number` NUMBER and `value_bool` BOOLEAN.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

TYPES = ("STRING", "NUMBER", "BOOLEAN", "DATE", "ENUM")


class CustomerAttribute(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_attributes", on_delete=fields.CASCADE
    )
    brand_id: int
    key = fields.CharField(max_length=64)
    label = fields.CharField(max_length=200)
    type = fields.CharField(max_length=16)
    options: fields.JSONField[list[str]] = fields.JSONField(default=list)
    is_pii = fields.BooleanField(default=False)
    is_required = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "attributes"
        table = "customer_attributes"
        unique_together = (("brand", "key"),)


class CustomerAttributeValue(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="customer_attribute_values", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="attribute_values", on_delete=fields.CASCADE
    )
    customer_id: int
    attribute: fields.ForeignKeyRelation[CustomerAttribute] = fields.ForeignKeyField(
        "attributes.CustomerAttribute", related_name="values", on_delete=fields.CASCADE
    )
    attribute_id: int
    value_text = fields.CharField(max_length=500, null=True)
    # A double (numeric comparisons through the index on SQLite as on PostgreSQL): 15 digits.
    value_number = fields.FloatField(null=True)
    value_bool = fields.BooleanField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "attributes"
        table = "customer_attribute_values"
        unique_together = (("customer", "attribute"),)
        indexes = (
            ("attribute_id", "value_text", "customer_id"),
            ("attribute_id", "value_number", "customer_id"),
            ("attribute_id", "value_bool", "customer_id"),
        )
