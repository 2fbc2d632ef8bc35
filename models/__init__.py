"""Tortoise ORM models. Every domain table carries its brand."""

from __future__ import annotations

from models.audit import AuditEntry
from models.brands import App, Brand, PersistedQuery, StaffUser, TokenRevocation
from models.customers import Customer, CustomerExternalId, CustomerNote, CustomerTag
from models.loyalty import (
    CustomerStats,
    DailySpend,
    LoyaltySettings,
    Membership,
    PointsTransaction,
    Purchase,
    PurchaseItem,
    Tier,
    TierChange,
)
from models.segments import Segment

__all__ = [
    "App",
    "AuditEntry",
    "Brand",
    "Customer",
    "CustomerExternalId",
    "CustomerNote",
    "CustomerStats",
    "CustomerTag",
    "DailySpend",
    "LoyaltySettings",
    "Membership",
    "PersistedQuery",
    "PointsTransaction",
    "Purchase",
    "PurchaseItem",
    "Segment",
    "StaffUser",
    "Tier",
    "TierChange",
    "TokenRevocation",
]
