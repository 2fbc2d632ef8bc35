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
