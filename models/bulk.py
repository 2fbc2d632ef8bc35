"""Bulk calls (tortoise app `bulk`): what a bulk mutation sent with an idempotency key answered,
so that a retry of the call answers the same and writes nothing."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class BulkCall(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="bulk_calls", on_delete=fields.CASCADE
    )
    brand_id: int
    operation = fields.CharField(max_length=64)
    idempotency_key = fields.CharField(max_length=200)
    fingerprint = fields.CharField(max_length=64)
    # Per row: {"index", "id", "outcome", "errors": [{field, code, message, related_id}], "skipped"}
    results: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    actor = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "bulk"
        table = "bulk_calls"
        unique_together = (("brand", "operation", "idempotency_key"),)
