"""Surveys, invitations and responses (tortoise app `service`)."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Survey(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="surveys", on_delete=fields.CASCADE
    )
    brand_id: int
    name = fields.CharField(max_length=200)
    kind = fields.CharField(max_length=16)
    status = fields.CharField(max_length=16, default="DRAFT")
    questions: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    reward_points = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "service"
        table = "surveys"
        indexes = (("brand_id", "created_at"),)


class SurveyInvitation(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="survey_invitations", on_delete=fields.CASCADE
    )
    brand_id: int
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "service.Survey", related_name="invitations", on_delete=fields.CASCADE
    )
    survey_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="survey_invitations", on_delete=fields.CASCADE
    )
    customer_id: int
    token = fields.CharField(max_length=64, unique=True)
    channel = fields.CharField(max_length=16, default="OTHER")
    store: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "stores.Store", related_name="survey_invitations", null=True, on_delete=fields.SET_NULL
    )
    store_id: int | None
    trigger = fields.CharField(max_length=32, default="MANUAL")
    ticket_id = fields.BigIntField(null=True)
    purchase_id = fields.BigIntField(null=True)
    sent_at = fields.DatetimeField(auto_now_add=True)
    responded_at = fields.DatetimeField(null=True)
    # Delivery (issue 22): the consented channel a gateway sends it on (None: none consented,
    # not sent), when the form was first opened, when the one reminder went out.
    delivery_channel = fields.CharField(max_length=16, null=True)
    opened_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        app = "service"
        table = "survey_invitations"
        indexes = (("brand_id", "survey_id"), ("brand_id", "customer_id"))
        # One invitation per purchase and survey: the automatic invite is idempotent.
        unique_together = (("survey", "purchase_id"),)


class SurveyResponse(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="survey_responses", on_delete=fields.CASCADE
    )
    brand_id: int
    survey: fields.ForeignKeyRelation[Survey] = fields.ForeignKeyField(
        "service.Survey", related_name="responses", on_delete=fields.CASCADE
    )
    survey_id: int
    invitation: fields.OneToOneRelation[SurveyInvitation] = fields.OneToOneField(
        "service.SurveyInvitation", related_name="response", on_delete=fields.CASCADE
    )
    invitation_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="survey_responses", on_delete=fields.CASCADE
    )
    customer_id: int
    answers: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    nps_score = fields.IntField(null=True)
    channel = fields.CharField(max_length=16, default="OTHER")
    store: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "stores.Store", related_name="survey_responses", null=True, on_delete=fields.SET_NULL
    )
    store_id: int | None
    follow_up_ticket_id = fields.BigIntField(null=True)
    submitted_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "service"
        table = "survey_responses"
        indexes = (("brand_id", "survey_id", "submitted_at"),)
