from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from models.brands import Brand


class AuditEntry(Model):
    """Who did what: one row per mutation, written in the mutation's own transaction."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="audit_entries", on_delete=fields.CASCADE
    )
    brand_id: int
    principal_kind = fields.CharField(max_length=16)
    principal_id = fields.CharField(max_length=128)
    operation = fields.CharField(max_length=64)
    target_type = fields.CharField(max_length=64)
    target_id = fields.CharField(max_length=64, null=True)
    request_id = fields.CharField(max_length=64)
    details = fields.JSONField(default=dict)  # type: ignore[var-annotated]
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "audit_entries"
        indexes = (("brand_id", "created_at"), ("brand_id", "target_type", "target_id"))
