"""Behaviour tracking (tortoise app `analytics`; its caches are in models/analytics_cache.py).

`tracked_events` is append-only (stitching fills `customer_id` of a visitor's earlier anonymous
events, nothing else changes a row) and keyed by brand and time (docs/analytics.md).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class TrackedEvent(Model):
    """One behaviour event from a frontend, idempotent by (brand, event_id)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="tracked_events", on_delete=fields.CASCADE
    )
    brand_id: int
    event_id = fields.CharField(max_length=64)
    name = fields.CharField(max_length=64)
    occurred_at = fields.DatetimeField()
    received_at = fields.DatetimeField()
    customer: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="tracked_events", null=True, on_delete=fields.CASCADE
    )
    customer_id: int | None
    anonymous_id = fields.CharField(max_length=64, null=True)
    session_id = fields.CharField(max_length=64, null=True)
    store: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "stores.Store", related_name="tracked_events", null=True, on_delete=fields.SET_NULL
    )
    store_id: int | None
    properties: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)

    class Meta:
        app = "analytics"
        table = "tracked_events"
        unique_together = (("brand", "event_id"),)
        indexes = (
            ("brand_id", "occurred_at"),
            ("customer_id", "occurred_at"),
            ("brand_id", "anonymous_id"),
            ("brand_id", "name", "occurred_at"),  # segments: who did X in the last N days
        )


class VisitorIdentity(Model):
    """An anonymous visitor id known to be this customer (learned when they signed in)."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="visitor_identities", on_delete=fields.CASCADE
    )
    brand_id: int
    anonymous_id = fields.CharField(max_length=64)
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="visitor_identities", on_delete=fields.CASCADE
    )
    customer_id: int
    linked_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "analytics"
        table = "visitor_identities"
        unique_together = (("brand", "anonymous_id"),)


class TrackingKey(Model):
    """A public per-brand write key: it may only send anonymous events to the beacon."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="tracking_keys", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=200)
    key = fields.CharField(max_length=64, unique=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "analytics"
        table = "tracking_keys"


class CustomEventName(Model):
    """A brand-defined event name, accepted besides the standard vocabulary."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="custom_event_names", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=64)
    description = fields.CharField(max_length=500, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "analytics"
        table = "tracking_event_names"
        unique_together = (("brand", "name"),)
