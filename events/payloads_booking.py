"""Payload schemas of the stores, appointments and referrals events (issue 21's domains)."""

from __future__ import annotations

from typing import Any

from events.payload_types import BOOLEAN, INTEGER, MONEY, NAMES, STRING, Payload

MAYBE_INTEGER: dict[str, Any] = {"type": ["integer", "null"]}
INSTANT: dict[str, Any] = {"type": "string", "format": "date-time"}
APPOINTMENT = {
    "store": INTEGER,
    "staff": INTEGER,
    "service": INTEGER,
    "status": STRING,
    "startsAt": INSTANT,
}
APPOINTMENT_REQUIRED = ("store", "staff", "service", "status", "startsAt")
APPOINTMENT_SAMPLE = {
    "store": 2,
    "staff": 5,
    "service": 3,
    "status": "BOOKED",
    "startsAt": "2026-12-08T09:30:00+00:00",
}
REWARD = {
    "type": "object",
    "properties": {
        "side": {"enum": ["REFERRER", "REFEREE"]},
        "customer": INTEGER,
        "points": INTEGER,
        "coupons": INTEGER,
        "couponError": STRING,
    },
    "required": ["side", "customer", "points", "coupons"],
    "additionalProperties": False,
}


def _appointment(description: str, extra: dict[str, Any], sample: dict[str, Any]) -> Payload:
    return Payload(
        description,
        "Appointment",
        {**APPOINTMENT, **extra},
        APPOINTMENT_REQUIRED + tuple(extra),
        {**APPOINTMENT_SAMPLE, **sample},
    )


PAYLOADS: dict[str, Payload] = {
    "store.created": Payload(
        "A store was created (by createStore, or registered by a new store code in an input).",
        "Store",
        {"store": INTEGER, "code": STRING, "status": STRING, "fields": NAMES, "implicit": BOOLEAN},
        ("store", "code", "status"),
        {"store": 2, "code": "hz-01", "status": "OPEN", "fields": ["code", "name"]},
    ),
    "store.updated": Payload(
        "A store changed (updateStore: `fields`), or a priority hold was placed or removed in it "
        "(`operation` and `hold`).",
        "Store",
        {
            "store": INTEGER,
            "code": STRING,
            "status": STRING,
            "fields": NAMES,
            "operation": STRING,
            "hold": INTEGER,
        },
        ("store",),
        {"store": 2, "code": "hz-01", "status": "OPEN", "fields": ["openingHours"]},
    ),
    "staff.updated": Payload(
        "A staff member's profile, store assignment or time off changed.",
        "StaffMember",
        {"staff": INTEGER, "operation": STRING, "fields": NAMES, "store": INTEGER},
        ("staff", "operation", "fields"),
        {"staff": 5, "operation": "assignStaff", "fields": ["schedule"], "store": 2},
    ),
    "bookable_service.updated": Payload(
        "A bookable service was created or changed.",
        "BookableService",
        {"service": INTEGER, "operation": STRING, "fields": NAMES},
        ("service", "operation", "fields"),
        {"service": 3, "operation": "createBookableService", "fields": ["name", "price"]},
    ),
    "appointment.booked": _appointment(
        "An appointment was booked.", {"price": MONEY}, {"price": "88.00"}
    ),
    "appointment.rescheduled": _appointment(
        "An appointment moved; `previous` is where it was.",
        {
            "previous": {
                "type": "object",
                "properties": {"startsAt": INSTANT, "staff": INTEGER},
                "required": ["startsAt", "staff"],
                "additionalProperties": False,
            }
        },
        {"previous": {"startsAt": "2026-12-08T08:30:00+00:00", "staff": 5}},
    ),
    "appointment.cancelled": _appointment(
        "An appointment was cancelled (late: inside the late-cancel window).",
        {"late": BOOLEAN, "penaltyPoints": INTEGER},
        {"status": "CANCELLED", "late": False, "penaltyPoints": 0},
    ),
    "appointment.checked_in": _appointment("The customer arrived.", {}, {"status": "CHECKED_IN"}),
    "appointment.completed": _appointment(
        "An appointment was completed; `purchase` is the purchase it recorded, if any.",
        {"purchase": MAYBE_INTEGER},
        {"status": "COMPLETED", "purchase": 7},
    ),
    "appointment.no_show": _appointment(
        "The customer did not come.",
        {"penaltyPoints": INTEGER},
        {"status": "NO_SHOW", "penaltyPoints": 50},
    ),
    "appointment.reminder_due": _appointment(
        "An appointment starts within the brand's reminder time: send the reminder.", {}, {}
    ),
    "referral.invited": Payload(
        "A member invited a friend (their code was shared on a channel).",
        "Customer",
        {"channel": STRING},
        ("channel",),
        {"channel": "WECHAT"},
    ),
    "referral.attributed": Payload(
        "A new customer was attributed to the referrer whose code they used.",
        "Referral",
        {"referral": INTEGER, "referrer": INTEGER},
        ("referral", "referrer"),
        {"referral": 4, "referrer": 41},
    ),
    "referral.converted": Payload(
        "A referral was rewarded (once per referee); `rewards` is what each side was paid.",
        "Referral",
        {
            "referee": MAYBE_INTEGER,
            "referral": INTEGER,
            "purchase": MAYBE_INTEGER,
            "rewards": {"type": "array", "items": REWARD},
            "capped": BOOLEAN,
        },
        ("referee", "referral", "purchase", "rewards", "capped"),
        {
            "referee": 42,
            "referral": 4,
            "purchase": 7,
            "rewards": [{"side": "REFERRER", "customer": 41, "points": 100, "coupons": 0}],
            "capped": False,
        },
    ),
}
