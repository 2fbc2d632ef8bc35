"""The event types, and which read scope a subscriber needs to see each of them."""

from __future__ import annotations

# type -> the read scope of the resource it is about (besides `events:read`).
EVENT_TYPES: dict[str, str] = {
    "customer.created": "customers:read",
    "customer.updated": "customers:read",
    "customer.merged": "customers:read",
    "customer.deleted": "customers:read",
    "purchase.recorded": "customers:read",
    "purchase.refunded": "customers:read",
    "points.changed": "points:read",
    "membership.tier_changed": "memberships:read",
    "coupon.issued": "offers:read",
    "coupon.redeemed": "offers:read",
    "campaign.launched": "offers:read",
    "ticket.created": "tickets:read",
    "ticket.updated": "tickets:read",
    "ticket.sla_breached": "tickets:read",
    "survey.response_submitted": "surveys:read",
    # issue 22: configuration changes, consent, survey delivery, refunds giving coupons back
    "app.changed": "admin",
    "segment.changed": "offers:read",
    "offer.changed": "offers:read",
    "customer.consent_changed": "customers:read",
    "coupon.restored": "offers:read",
    # the payload's link holds the invitation's token, a credential: `token` needs surveys:write
    "survey.invitation_created": "surveys:write",
    "survey.invitation_reminded": "surveys:write",
    "customer.data_export_requested": "privacy:manage",
    "customer.data_export_finished": "privacy:manage",
    "store.created": "stores:read",
    "store.updated": "stores:read",
    "staff.updated": "stores:read",
    "bookable_service.updated": "stores:read",
    "appointment.booked": "appointments:read",
    "appointment.rescheduled": "appointments:read",
    "appointment.cancelled": "appointments:read",
    "appointment.checked_in": "appointments:read",
    "appointment.completed": "appointments:read",
    "appointment.no_show": "appointments:read",
    "appointment.reminder_due": "appointments:read",
    "referral.invited": "customers:read",
    "referral.attributed": "customers:read",
    "referral.converted": "customers:read",
    "behaviour.tracked": "analytics:read",
    "import.completed": "customers:read",
    "export.completed": "customers:read",
}


class UnknownEventType(ValueError):
    pass


def check_type(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise UnknownEventType(f"unknown event type '{event_type}'")
    return event_type


def read_scope(event_type: str) -> str:
    return EVENT_TYPES[event_type]
