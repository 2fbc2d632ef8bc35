"""Stores and the staff who work in them (tortoise app `stores`).

Opening hours and working schedules are wall-clock minutes in the store's time zone:
`{"1": [[540, 1080]], ...}` maps an ISO weekday (1 = Monday) to [start, end) minute pairs.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model


class Store(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="stores", on_delete=fields.CASCADE
    )
    brand_id: int
    code = fields.CharField(max_length=100)
    name = fields.CharField(max_length=200)
    address = fields.CharField(max_length=500, null=True)
    city = fields.CharField(max_length=100, null=True)
    region = fields.CharField(max_length=100, null=True)
    timezone = fields.CharField(max_length=64)
    opening_hours: fields.JSONField[dict[str, list[list[int]]]] = fields.JSONField(default=dict)
    # [{"date": "2026-12-25", "hours": []}]: a closed day, or that day's own hours.
    exceptions: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    status = fields.CharField(max_length=16, default="OPEN")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stores"
        table = "stores"
        unique_together = (("brand", "code"),)


class StaffMember(Model):
    """Someone customers can book: a profile, optionally tied to a staff login."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="staff_members", on_delete=fields.CASCADE
    )
    brand_id: int
    user: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "crm.StaffUser", related_name="staff_profiles", null=True, on_delete=fields.SET_NULL
    )
    user_id: int | None
    name = fields.CharField(max_length=200)
    skills: fields.JSONField[list[str]] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stores"
        table = "staff_members"
        unique_together = (("brand", "user"),)
        indexes = (("brand_id", "name"),)


class StaffAssignment(Model):
    """A staff member's role and weekly working schedule in one store."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="staff_assignments", on_delete=fields.CASCADE
    )
    brand_id: int
    staff: fields.ForeignKeyRelation[StaffMember] = fields.ForeignKeyField(
        "stores.StaffMember", related_name="assignments", on_delete=fields.CASCADE
    )
    staff_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "stores.Store", related_name="assignments", on_delete=fields.CASCADE
    )
    store_id: int
    role = fields.CharField(max_length=64)
    schedule: fields.JSONField[dict[str, list[list[int]]]] = fields.JSONField(default=dict)

    class Meta:
        app = "stores"
        table = "staff_assignments"
        unique_together = (("staff", "store"),)
        indexes = (("brand_id", "store_id"),)


class StaffTimeOff(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="staff_time_off", on_delete=fields.CASCADE
    )
    brand_id: int
    staff: fields.ForeignKeyRelation[StaffMember] = fields.ForeignKeyField(
        "stores.StaffMember", related_name="time_off", on_delete=fields.CASCADE
    )
    staff_id: int
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    reason = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stores"
        table = "staff_time_off"
        indexes = (("staff_id", "starts_at"),)
