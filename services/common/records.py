"""One stored record by number within a brand, for models that need no domain rule to be shown
(the API's `node(id:)` of its simple types)."""

from __future__ import annotations

from tortoise.models import Model

from models import (
    App,
    CustomerExternalId,
    CustomerNote,
    Membership,
    PointsTransaction,
    Purchase,
    PurchaseItem,
    StaffUser,
    Tier,
    TierChange,
)
from models.analytics import TrackingKey
from models.analytics_cache import AnalyticsRun, CustomerCluster
from models.appointments import BookingPolicy, PriorityHold
from models.attributes import CustomerAttribute
from models.audit import AuditEntry
from models.events import Webhook, WebhookDelivery
from models.offers import Coupon
from models.referrals import Referral, ReferralReward, ReferralSettings
from models.rows import fetch_in_brand
from models.stores import StaffAssignment, StaffTimeOff
from models.surveys import SurveyInvitation, SurveyResponse
from models.tickets import SlaPolicy, TicketMessage

MODELS: dict[str, type[Model]] = {
    model.__name__: model
    for model in (
        AnalyticsRun,
        App,
        AuditEntry,
        BookingPolicy,
        Coupon,
        CustomerAttribute,
        CustomerCluster,
        CustomerExternalId,
        CustomerNote,
        Membership,
        PointsTransaction,
        PriorityHold,
        Purchase,
        PurchaseItem,
        Referral,
        ReferralReward,
        ReferralSettings,
        SlaPolicy,
        StaffAssignment,
        StaffTimeOff,
        StaffUser,
        SurveyInvitation,
        SurveyResponse,
        TicketMessage,
        Tier,
        TierChange,
        TrackingKey,
        Webhook,
        WebhookDelivery,
    )
}


async def record_in_brand(model_name: str, brand_id: int, pk: int) -> Model | None:
    """The row numbered `pk` of the model named `model_name` (a key of MODELS), if it belongs
    to the brand; another brand's row is simply not found."""
    found = await fetch_in_brand(MODELS[model_name], brand_id, "id", [pk])
    return found[0] if found else None
