"""What each event type carries, as JSON Schema, and a sample of each.

The webhook body of an event (events.webhooks.body_of) is an envelope
`{"type", "timestamp", "data": {"id", "customerId", "subjectType", "subjectId", ...payload}}`
(and `"test": true` for sendTestWebhook). `schema(event_type)` is that document's JSON Schema;
`crm event-schemas docs/events` writes them to docs/events/<type>.json, and
tests/test_event_schemas.py checks what is really sent against them.
"""

from __future__ import annotations

from typing import Any

from events import payloads_admin, payloads_booking
from events.catalogue import EVENT_TYPES
from events.payload_types import (
    BOOLEAN,
    DIALECT,
    IDS,
    INTEGER,
    JOB_STATES,
    MONEY,
    NAMES,
    POINT_KINDS,
    STRING,
    TIER,
    Payload,
)

TICKET = {"status": STRING, "operation": STRING}
JOB = {
    "kind": {"enum": ["CUSTOMERS", "PURCHASES", "POINTS_BALANCES", "LEDGER", "COUPONS"]},
    "state": {"enum": JOB_STATES},
    "rowsRead": INTEGER,
    "rowsWritten": INTEGER,
    "rowsFailed": INTEGER,
}
JOB_SAMPLE = {"kind": "CUSTOMERS", "state": "SUCCEEDED", "rowsRead": 3, "rowsWritten": 2}

PAYLOADS: dict[str, Payload] = {
    "customer.created": Payload(
        "A customer was created.", "Customer", {"tags": NAMES}, ("tags",), {"tags": ["vip"]}
    ),
    "customer.updated": Payload(
        "A customer's profile, external ids, tags or attributes changed.",
        "Customer",
        {
            "fields": NAMES,
            "externalIds": NAMES,
            "attributes": NAMES,
            "tags": NAMES,
            "add": NAMES,
            "remove": NAMES,
        },
        ("fields",),
        {"fields": ["email"], "externalIds": [], "attributes": ["shoeSize"]},
    ),
    "customer.merged": Payload(
        "Two customers were merged; the source was deleted.",
        "Customer",
        {"sourceId": INTEGER, "targetId": INTEGER, "filled": NAMES},
        ("sourceId", "targetId", "filled"),
        {"sourceId": 41, "targetId": 42, "filled": ["email"]},
    ),
    "customer.deleted": Payload("A customer was erased.", "Customer"),
    "purchase.recorded": Payload(
        "A purchase was recorded (not sent again for a replayed externalId).",
        "Purchase",
        {"amount": MONEY, "pointsEarned": INTEGER},
        ("amount", "pointsEarned"),
        {"amount": "128.00", "pointsEarned": 128},
    ),
    "purchase.refunded": Payload(
        "A purchase was refunded in full or in part.",
        "Purchase",
        {
            "purchase": INTEGER,
            "amount": MONEY,
            "points": INTEGER,
            "coupons": {
                **IDS,
                "description": "The coupons redeemed on it that were given back (the brand's"
                " couponRefundRule); only when there were any.",
            },
        },
        ("purchase", "amount", "points"),
        {"purchase": 7, "amount": "28.00", "points": 28},
    ),
    "points.changed": Payload(
        "A member's points balance changed (one ledger transaction).",
        None,
        {
            "kind": {"enum": POINT_KINDS},
            "amount": INTEGER,
            "balance": INTEGER,
            "pending": INTEGER,
        },
        ("kind", "amount", "balance"),
        {"kind": "EARN", "amount": 128, "balance": 300, "pending": 0},
    ),
    "membership.tier_changed": Payload(
        "A member's tier changed (enrolment, upgrade, review, manual, merge).",
        "Membership",
        {"from": TIER, "to": STRING, "reason": STRING},
        ("from", "to", "reason"),
        {"from": "Regular", "to": "Silver", "reason": "purchase 7"},
    ),
    "coupon.issued": Payload(
        "A coupon was issued to a customer; `channels` are those the customer consented to be "
        "told on (tell them only there).",
        "Coupon",
        {
            "offerId": INTEGER,
            "couponId": INTEGER,
            "channels": {"type": "array", "items": {"enum": ["SMS", "EMAIL", "PUSH", "WECHAT"]}},
        },
        ("offerId", "couponId", "channels"),
        {"offerId": 3, "couponId": 99, "channels": ["SMS"]},
    ),
    "coupon.redeemed": Payload(
        "A coupon was redeemed on a purchase.",
        "Coupon",
        {"offerId": INTEGER, "purchaseId": INTEGER, "discount": MONEY},
        ("offerId", "purchaseId", "discount"),
        {"offerId": 3, "purchaseId": 7, "discount": "10.00"},
    ),
    "campaign.launched": Payload(
        "A campaign was launched: its members snapshotted, its coupons issued.",
        "Campaign",
        {"targeted": INTEGER, "holdout": INTEGER, "issued": INTEGER},
        ("targeted", "holdout", "issued"),
        {"targeted": 900, "holdout": 100, "issued": 900},
    ),
    "ticket.created": Payload(
        "A ticket was opened.",
        "Ticket",
        {"status": STRING, "severity": STRING, "category": STRING},
        ("status", "severity", "category"),
        {"status": "OPEN", "severity": "HIGH", "category": "delivery"},
    ),
    "ticket.updated": Payload(
        "A ticket changed (the operation names the mutation; its details follow).",
        "Ticket",
        TICKET,
        ("operation", "status"),
        {"operation": "transitionTicket", "status": "OPEN"},
        open=True,
    ),
    "ticket.sla_breached": Payload(
        "A ticket's SLA clock ran out.",
        "Ticket",
        {
            "clocks": {
                "description": "Which clocks ran out: by name (the sweep), or each as a flag.",
                "anyOf": [
                    {"type": "array", "items": {"enum": ["firstResponse", "resolution"]}},
                    {
                        "type": "object",
                        "properties": {"firstResponse": BOOLEAN, "resolution": BOOLEAN},
                        "required": ["firstResponse", "resolution"],
                        "additionalProperties": False,
                    },
                ],
            },
            "status": STRING,
        },
        ("clocks",),
        {"clocks": {"firstResponse": True, "resolution": False}, "status": "OPEN"},
    ),
    "survey.response_submitted": Payload(
        "A survey was answered.",
        "SurveyResponse",
        {"survey": INTEGER, "nps": {"type": ["integer", "null"], "minimum": 0, "maximum": 10}},
        ("survey", "nps"),
        {"survey": 5, "nps": 9},
    ),
    "import.completed": Payload(
        "An import job ended; its failed rows are downloadable from importJob.",
        "ImportJob",
        JOB,
        ("kind", "state", "rowsRead", "rowsWritten", "rowsFailed"),
        {**JOB_SAMPLE, "rowsFailed": 1},
    ),
    "export.completed": Payload(
        "An export job ended; its file is downloadable from exportJob.",
        "ExportJob",
        JOB,
        ("kind", "state", "rowsRead", "rowsWritten", "rowsFailed"),
        {**JOB_SAMPLE, "rowsWritten": 3, "rowsFailed": 0},
    ),
}
PAYLOADS.update(payloads_booking.PAYLOADS)
PAYLOADS.update(payloads_admin.PAYLOADS)
assert set(PAYLOADS) == set(EVENT_TYPES), "every event type documents its payload"

ENVELOPE_DATA = {
    "id": {"type": "string", "description": "The event's per-brand id."},
    "customerId": {"type": ["integer", "null"]},
    "subjectType": {"type": ["string", "null"]},
    "subjectId": {"type": ["string", "null"]},
}


def schema(event_type: str) -> dict[str, Any]:
    """The JSON Schema of the webhook body of one event type."""
    payload = PAYLOADS[event_type]
    subject: dict[str, Any] = (
        {"enum": [payload.subject, None]} if payload.subject else {"type": ["string", "null"]}
    )
    data = {
        "type": "object",
        "properties": {**ENVELOPE_DATA, "subjectType": subject, **payload.properties},
        "required": ["id", "customerId", "subjectType", "subjectId", *payload.required],
        "additionalProperties": payload.open,
    }
    return {
        "$schema": DIALECT,
        "$id": f"https://crm.example/schemas/events/{event_type}.json",
        "title": event_type,
        "description": payload.description,
        "type": "object",
        "properties": {
            "type": {"const": event_type},
            "timestamp": {"type": "string", "format": "date-time"},
            "test": {"type": "boolean", "description": "Sent by sendTestWebhook."},
            "data": data,
        },
        "required": ["type", "timestamp", "data"],
        "additionalProperties": False,
    }


def sample(event_type: str) -> dict[str, Any]:
    """A sample payload of the type (what sendTestWebhook sends as `data`, after the ids)."""
    return dict(PAYLOADS[event_type].sample)


def subject_type(event_type: str) -> str | None:
    return PAYLOADS[event_type].subject
