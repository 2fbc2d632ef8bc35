"""Payload schemas of configuration, privacy, survey delivery and tracking events."""

from __future__ import annotations

from typing import Any

from events.payload_types import BOOLEAN, INTEGER, NAMES, STRING, Payload

MAYBE_INTEGER: dict[str, Any] = {"type": ["integer", "null"]}
MAYBE_STRING: dict[str, Any] = {"type": ["string", "null"]}
CHANNELS = ["SMS", "EMAIL", "PUSH", "WECHAT"]
CONFIGURATION = {"operation": STRING, "fields": NAMES}
INVITATION = {
    "invitationId": INTEGER,
    "surveyId": INTEGER,
    "deliveryChannel": {"enum": CHANNELS},
    "link": MAYBE_STRING,
    "token": STRING,
    "trigger": STRING,
    "ticketId": MAYBE_INTEGER,
}
INVITATION_SAMPLE = {
    "invitationId": 12,
    "surveyId": 5,
    "deliveryChannel": "SMS",
    "link": "https://brand.example/survey?t=abc",
    "token": "abc",
    "trigger": "PURCHASE",
    "ticketId": None,
}
EXPORT_STATES = ["QUEUED", "RUNNING", "SUCCEEDED", "FAILED", "CANCELLED"]


def _configuration(description: str, subject: str) -> Payload:
    return Payload(
        description,
        subject,
        CONFIGURATION,
        ("operation", "fields"),
        {"operation": "update", "fields": ["name"]},
    )


PAYLOADS: dict[str, Payload] = {
    "app.changed": _configuration("A partner app was created or changed.", "App"),
    "segment.changed": _configuration("A segment was created, changed or deleted.", "Segment"),
    "offer.changed": Payload(
        "An offer was created or changed.",
        "Offer",
        {**CONFIGURATION, "active": BOOLEAN},
        ("operation", "fields", "active"),
        {"operation": "updateOffer", "fields": ["endsAt"], "active": True},
    ),
    "customer.consent_changed": Payload(
        "A customer's marketing consent on one channel changed.",
        "Customer",
        {"channel": {"enum": CHANNELS}, "granted": BOOLEAN, "source": STRING},
        ("channel", "granted", "source"),
        {"channel": "EMAIL", "granted": True, "source": "app signup form"},
    ),
    "coupon.restored": Payload(
        "A refund gave a redeemed coupon back (ISSUED), or returned it as EXPIRED.",
        "Coupon",
        {"offerId": INTEGER, "purchaseId": INTEGER, "status": {"enum": ["ISSUED", "EXPIRED"]}},
        ("offerId", "purchaseId", "status"),
        {"offerId": 3, "purchaseId": 7, "status": "ISSUED"},
    ),
    "survey.invitation_created": Payload(
        "Send this survey invitation on `deliveryChannel` (its link holds a single-use token).",
        "SurveyInvitation",
        INVITATION,
        tuple(INVITATION),
        INVITATION_SAMPLE,
    ),
    "survey.invitation_reminded": Payload(
        "An unanswered invitation's one reminder: send it again.",
        "SurveyInvitation",
        INVITATION,
        tuple(INVITATION),
        INVITATION_SAMPLE,
    ),
    "customer.data_export_requested": Payload(
        "A customer's data export was asked for.",
        "CustomerDataExport",
        {"state": {"enum": EXPORT_STATES}},
        ("state",),
        {"state": "QUEUED"},
    ),
    "customer.data_export_finished": Payload(
        "A customer's data export ended: download it from customerDataExport.",
        "CustomerDataExport",
        {"state": {"enum": EXPORT_STATES}},
        ("state",),
        {"state": "SUCCEEDED"},
    ),
    "behaviour.tracked": Payload(
        "A batch of behaviour events was stored (trackEvents or the /track beacon).",
        None,
        {
            "accepted": INTEGER,
            "duplicates": INTEGER,
            "refused": INTEGER,
            "stitched": INTEGER,
            "names": {"type": "object", "additionalProperties": INTEGER},
        },
        ("accepted", "duplicates", "refused", "stitched", "names"),
        {"accepted": 2, "duplicates": 0, "refused": 0, "stitched": 0, "names": {"page_view": 2}},
    ),
}
