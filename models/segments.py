"""Saved customer segments (tortoise app `segments`): a named rule tree per brand."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Segment(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="segments", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    rule: fields.JSONField[dict[str, Any]] = fields.JSONField()
    created_by = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "segments"
        table = "segments"
        unique_together = (("brand", "name"),)
        indexes = (("brand_id", "created_at"),)
