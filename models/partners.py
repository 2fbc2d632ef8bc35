"""Partner apps' rotated secrets and daily usage (tortoise app `partners`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class AppPreviousSecret(Model):
    """A client secret the app rotated away from: still accepted until `expires_at`."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="app_previous_secrets", on_delete=fields.CASCADE
    )
    brand_id: int
    app: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.App", related_name="previous_secrets", on_delete=fields.CASCADE
    )
    app_id: int
    secret_hash = fields.CharField(max_length=200)
    rotated_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()

    class Meta:
        app = "partners"
        table = "app_previous_secrets"
        indexes = (("app_id", "expires_at"),)


class AppUsageDay(Model):
    """An app's GraphQL operations on one day of its brand's calendar."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="app_usage_days", on_delete=fields.CASCADE
    )
    brand_id: int
    app: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.App", related_name="usage_days", on_delete=fields.CASCADE
    )
    app_id: int
    day = fields.DateField()
    requests = fields.BigIntField(default=0)
    errors = fields.BigIntField(default=0)
    rate_limited = fields.BigIntField(default=0)

    class Meta:
        app = "partners"
        table = "app_usage_days"
        unique_together = (("app", "day"),)
        indexes = (("brand_id", "day"),)
