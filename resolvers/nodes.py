"""Stored records by global id for `node(id:)`: always within the caller's brand."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from auth.context import Context
from auth.scopes import Scope
from services.common.records import record_in_brand

if TYPE_CHECKING:
    from tortoise.models import Model

    from models import Brand
    from models.tickets import TicketMessage

# GraphQL type name (the global id's prefix) -> the model whose row of that number it shows
# (a key of services.common.records.MODELS).
RECORD_MODELS: dict[str, str] = {
    "AnalyticsRefresh": "AnalyticsRun",
    "ChurnModelQuality": "AnalyticsRun",
    "CustomerCluster": "CustomerCluster",
    "TrackingKey": "TrackingKey",
    "CustomerAttribute": "CustomerAttribute",
    "BookingPolicy": "BookingPolicy",
    "PriorityHold": "PriorityHold",
    "Referral": "Referral",
    "ReferralReward": "ReferralReward",
    "ReferralSettings": "ReferralSettings",
    "StaffAssignment": "StaffAssignment",
    "StaffTimeOff": "StaffTimeOff",
    "AuditEntry": "AuditEntry",
    "Coupon": "Coupon",
    "CustomerNote": "CustomerNote",
    "ExternalId": "CustomerExternalId",
    "Membership": "Membership",
    "PartnerApp": "App",
    "PointsTransaction": "PointsTransaction",
    "Purchase": "Purchase",
    "PurchaseItemType": "PurchaseItem",
    "SlaPolicy": "SlaPolicy",
    "StaffUser": "StaffUser",
    "SurveyInvitation": "SurveyInvitation",
    "SurveyResponse": "SurveyResponse",
    "TicketMessage": "TicketMessage",
    "Tier": "Tier",
    "TierChange": "TierChange",
    "Webhook": "Webhook",
    "WebhookDelivery": "WebhookDelivery",
}


async def record(context: Context, type_name: str, pk: int) -> Model | None:
    """The row numbered `pk` of the model behind `type_name`, if it belongs to the caller's
    brand; another brand's row is simply not found."""
    brand = context.require_brand()
    return await record_in_brand(RECORD_MODELS[type_name], brand.id, pk)


def own_brand(context: Context, pk: int) -> Brand | None:
    """A brand by number: only the caller's own."""
    brand = context.require_brand()
    return brand if brand.id == pk else None


async def ticket_message(context: Context, pk: int) -> TicketMessage | None:
    """A reply, or an internal note for holders of tickets:write (as `Ticket.internalNotes`)."""
    found = cast("TicketMessage | None", await record(context, "TicketMessage", pk))
    if found is None:
        return None
    principal = context.principal
    if found.internal and (principal is None or not principal.has(Scope.TICKETS_WRITE.value)):
        return None
    return found
