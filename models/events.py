"""Live events: the transactional outbox, per-brand counters, partner webhooks (app `events`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.brands import Brand


class BrandEventCounter(Model):
    # The last event id handed out in a brand; its row lock orders the commits of a brand.

    id = fields.BigIntField(primary_key=True)
    brand: fields.OneToOneRelation[Brand] = fields.OneToOneField(
        "crm.Brand", related_name="event_counter", on_delete=fields.CASCADE
    )
    brand_id: int
    last_seq = fields.BigIntField(default=0)

    class Meta:
        app = "events"
        table = "event_counters"


class OutboxEvent(Model):
    # One domain event, written in the same transaction as the change it describes.

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="outbox_events", on_delete=fields.CASCADE
    )
    brand_id: int
    seq = fields.BigIntField()  # per-brand increasing event id
    type = fields.CharField(max_length=64)
    customer_id = fields.BigIntField(null=True)
    subject_type = fields.CharField(max_length=64, null=True)
    subject_id = fields.CharField(max_length=64, null=True)
    payload: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    actor = fields.CharField(max_length=200, default="")
    request_id = fields.CharField(max_length=64, default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    published_at = fields.DatetimeField(null=True)

    class Meta:
        app = "events"
        table = "outbox_events"
        unique_together = (("brand", "seq"),)
        indexes = (("published_at", "id"), ("brand_id", "created_at"))


class Webhook(Model):
    # A partner endpoint receiving signed events of its brand.

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="webhooks", on_delete=fields.CASCADE
    )
    brand_id: int
    url = fields.CharField(max_length=2000)
    event_types: fields.JSONField[list[str]] = fields.JSONField(default=list)
    secret = fields.CharField(max_length=200)
    is_active = fields.BooleanField(default=True)
    consecutive_failures = fields.IntField(default=0)
    disabled_reason = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "events"
        table = "webhooks"
        indexes = (("brand_id", "is_active"),)


class WebhookDelivery(Model):
    # One event to one webhook: retried with backoff until it succeeds or gives up.

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Brand] = fields.ForeignKeyField(
        "crm.Brand", related_name="webhook_deliveries", on_delete=fields.CASCADE
    )
    brand_id: int
    webhook: fields.ForeignKeyRelation[Webhook] = fields.ForeignKeyField(
        "events.Webhook", related_name="deliveries", on_delete=fields.CASCADE
    )
    webhook_id: int
    event_seq = fields.BigIntField()
    event_type = fields.CharField(max_length=64)
    message_id = fields.CharField(max_length=100)
    body = fields.TextField()
    status = fields.CharField(max_length=16, default="PENDING")
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    last_status_code = fields.IntField(null=True)
    response_ms = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    delivered_at = fields.DatetimeField(null=True)

    class Meta:
        app = "events"
        table = "webhook_deliveries"
        unique_together = (("webhook", "event_seq"),)
        indexes = (("status", "next_attempt_at"), ("webhook_id", "created_at"))
