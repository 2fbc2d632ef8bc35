"""Bookable services, the booking policy, priority holds and appointments (app `stores`).

No staff member holds two overlapping appointments: the database refuses it (an exclusion
constraint on PostgreSQL, a trigger on SQLite; see models/stores_migrations/0002).
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

from models.stores import StaffMember, Store


class BookableService(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="bookable_services", on_delete=fields.CASCADE
    )
    brand_id: int
    code = fields.CharField(max_length=64)
    name = fields.CharField(max_length=200)
    duration_minutes = fields.IntField()
    buffer_minutes = fields.IntField(default=0)
    price = fields.DecimalField(max_digits=14, decimal_places=2)
    # [{"tier": "Gold", "price": "80.00"}]: the price a member of that tier pays.
    member_prices: fields.JSONField[list[dict[str, str]]] = fields.JSONField(default=list)
    skills: fields.JSONField[list[str]] = fields.JSONField(default=list)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stores"
        table = "bookable_services"
        unique_together = (("brand", "code"),)


class BookingPolicy(Model):
    """A brand's booking rules, created with defaults on first use."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.OneToOneRelation[Any] = fields.OneToOneField(
        "crm.Brand", related_name="booking_policy", on_delete=fields.CASCADE
    )
    brand_id: int
    slot_minutes = fields.IntField(default=15)
    min_notice_minutes = fields.IntField(default=0)
    booking_window_days = fields.IntField(default=30)
    priority_window_days = fields.IntField(default=90)
    # [{"tier": "Platinum", "days": 120}]: a tier's own window, overriding the two above.
    tier_windows: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    priority_release_hours = fields.IntField(default=48)
    late_cancel_hours = fields.IntField(default=24)
    late_cancel_penalty_points = fields.IntField(default=0)
    no_show_limit = fields.IntField(default=3)
    no_show_window_days = fields.IntField(default=90)
    no_show_penalty_points = fields.IntField(default=0)
    reminder_hours = fields.IntField(default=24)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stores"
        table = "booking_policies"


class PriorityHold(Model):
    """A period held for tiers with priority booking, released to everyone
    `priority_release_hours` before it starts."""

    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="priority_holds", on_delete=fields.CASCADE
    )
    brand_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "stores.Store", related_name="priority_holds", on_delete=fields.CASCADE
    )
    store_id: int
    staff: fields.ForeignKeyNullableRelation[StaffMember] = fields.ForeignKeyField(
        "stores.StaffMember", related_name="priority_holds", null=True, on_delete=fields.CASCADE
    )
    staff_id: int | None
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        app = "stores"
        table = "priority_holds"
        indexes = (("store_id", "starts_at"),)


class Appointment(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="appointments", on_delete=fields.CASCADE
    )
    brand_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "stores.Store", related_name="appointments", on_delete=fields.CASCADE
    )
    store_id: int
    staff: fields.ForeignKeyRelation[StaffMember] = fields.ForeignKeyField(
        "stores.StaffMember", related_name="appointments", on_delete=fields.CASCADE
    )
    staff_id: int
    service: fields.ForeignKeyRelation[BookableService] = fields.ForeignKeyField(
        "stores.BookableService", related_name="appointments", on_delete=fields.CASCADE
    )
    service_id: int
    customer: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Customer", related_name="appointments", on_delete=fields.CASCADE
    )
    customer_id: int
    status = fields.CharField(max_length=16, default="BOOKED")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    # The staff member is blocked until the buffer after the service is over.
    blocks_until = fields.DatetimeField()
    # True while the appointment keeps its slot (BOOKED, CHECKED_IN, COMPLETED).
    holds_slot = fields.BooleanField(default=True)
    price = fields.DecimalField(max_digits=14, decimal_places=2)
    tier = fields.CharField(max_length=64, null=True)
    online = fields.BooleanField(default=False)
    priority_slot = fields.BooleanField(default=False)
    late_cancellation = fields.BooleanField(default=False)
    penalty_points = fields.BigIntField(default=0)
    reschedules = fields.IntField(default=0)
    purchase: fields.ForeignKeyNullableRelation[Any] = fields.ForeignKeyField(
        "crm.Purchase", related_name="appointments", null=True, on_delete=fields.SET_NULL
    )
    purchase_id: int | None
    note = fields.CharField(max_length=500, default="")
    # unique per brand (index appointments_brand_idempotency_key, stores migration 0003)
    idempotency_key = fields.CharField(max_length=100, null=True)
    reminder_sent_at = fields.DatetimeField(null=True)
    checked_in_at = fields.DatetimeField(null=True)
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        app = "stores"
        table = "appointments"
        indexes = (
            ("staff_id", "starts_at"),
            ("brand_id", "store_id", "starts_at"),
            ("brand_id", "customer_id", "starts_at"),
            ("brand_id", "status", "starts_at"),
        )
