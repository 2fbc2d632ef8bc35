"""The building blocks of the event payload schemas (events/payloads.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DIALECT = "https://json-schema.org/draft/2020-12/schema"
STRING: dict[str, Any] = {"type": "string"}
INTEGER: dict[str, Any] = {"type": "integer"}
BOOLEAN: dict[str, Any] = {"type": "boolean"}
MONEY: dict[str, Any] = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]{1,2})?$"}
NAMES: dict[str, Any] = {"type": "array", "items": STRING}
IDS: dict[str, Any] = {"type": "array", "items": INTEGER}
TIER: dict[str, Any] = {"type": ["string", "null"]}
POINT_KINDS = ["EARN", "REDEEM", "EXPIRE", "ADJUST", "REVERSE", "RELEASE"]
JOB_STATES = ["SUCCEEDED", "FAILED", "CANCELLED"]


@dataclass(frozen=True)
class Payload:
    description: str
    subject: str | None  # the subjectType events of this type carry
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    sample: dict[str, Any] = field(default_factory=dict)
    open: bool = False  # more keys may come (e.g. a ticket operation's own details)
