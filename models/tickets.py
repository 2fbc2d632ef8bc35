"""Complaint tickets (tortoise app `service`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class ServiceSettings(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "crm.Brand", related_name="service_settings", on_delete=fields.CASCADE
    )
    brand_id: int
    categories: fields.JSONField[list[str]] = fields.JSONField(default=list)
    root_causes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    reopen_days = fields.IntField(default=7)
    detractor_follow_up = fields.BooleanField(default=True)
    follow_up_category = fields.CharField(max_length=64, default="NPS_FOLLOW_UP")
    follow_up_survey_id = fields.BigIntField(null=True)
    resolution_survey_id = fields.BigIntField(null=True)
    purchase_survey_id = fields.BigIntField(null=True)
    business_hours: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    # Survey delivery (issue 22): the answer link with `{token}`, the reminder's delay.
    survey_link_template = fields.CharField(max_length=500, null=True)
    survey_reminder_hours = fields.IntField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "service"
        table = "service_settings"


class SlaPolicy(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="sla_policies", on_delete=fields.CASCADE
    )
    brand_id: int
    severity = fields.CharField(max_length=16)
    first_response_minutes = fields.IntField()
    resolution_minutes = fields.IntField()
    business_hours = fields.BooleanField(default=False)

    class Meta:
        app = "service"
        table = "sla_policies"
        unique_together = (("brand", "severity"),)


class Ticket(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="tickets", on_delete=fields.CASCADE
    )
    brand_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="tickets", on_delete=fields.CASCADE
    )
    customer_id: int
    assignee: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "crm.StaffUser", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    store: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "stores.Store", related_name="tickets", null=True, on_delete=fields.SET_NULL
    )
    store_id: int | None
    channel = fields.CharField(max_length=16)
    category = fields.CharField(max_length=64)
    severity = fields.CharField(max_length=16)
    subject = fields.CharField(max_length=200)
    description = fields.TextField()
    status = fields.CharField(max_length=24, default="NEW")
    opened_by = fields.CharField(max_length=128)
    resolution = fields.TextField(null=True)
    root_cause = fields.CharField(max_length=64, null=True)
    source_response_id = fields.BigIntField(null=True)
    first_response_due = fields.DatetimeField(null=True)
    resolution_due = fields.DatetimeField(null=True)
    sla_business_hours = fields.BooleanField(default=False)
    resolution_remaining_seconds = fields.BigIntField(null=True)
    paused_at = fields.DatetimeField(null=True)
    first_responded_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    first_response_breached = fields.BooleanField(default=False)
    resolution_breached = fields.BooleanField(default=False)
    csat_score = fields.IntField(null=True)
    csat_comment = fields.TextField(null=True)
    rated_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "service"
        table = "tickets"
        indexes = (
            ("brand_id", "created_at"),
            ("brand_id", "status"),
            ("brand_id", "customer_id"),
        )


class TicketMessage(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="ticket_messages", on_delete=fields.CASCADE
    )
    brand_id: int
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "service.Ticket", related_name="messages", on_delete=fields.CASCADE
    )
    ticket_id: int
    internal = fields.BooleanField(default=False)
    body = fields.TextField()
    author = fields.CharField(max_length=200)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "service"
        table = "ticket_messages"
        indexes = (("ticket_id", "created_at"),)
