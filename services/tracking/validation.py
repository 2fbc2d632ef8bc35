"""One tracked event checked on its own: a clean event, or the typed errors that refuse it.

Errors name the event by its place in the batch (`events[3].name`), so a client can tell which
events were stored and which were refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from services.common.errors import ErrorCode, FieldError
from services.tracking.vocabulary import NAME_PATTERN, STANDARD_EVENTS

MAX_BATCH = 500
FUTURE_SLACK = timedelta(minutes=10)  # clocks of phones and browsers run a little fast
MAX_AGE = timedelta(days=3 * 366)  # older history goes in through a bulk import
ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
PROPERTY_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_PROPERTIES = 32
MAX_PROPERTY_TEXT = 500
MAX_PROPERTIES_BYTES = 4096


@dataclass(frozen=True)
class RawEvent:
    """An event as a client sent it; ids still global ids, properties still untrusted."""

    event_id: Any = None
    name: Any = None
    occurred_at: Any = None
    customer_id: Any = None
    anonymous_id: Any = None
    session_id: Any = None
    store_id: Any = None
    properties: Any = None


@dataclass
class CleanEvent:
    position: int
    event_id: str
    name: str
    occurred_at: datetime
    customer_id: int | None
    anonymous_id: str | None
    session_id: str | None
    store_id: int | None
    properties: str  # canonical JSON text


class _Refused(Exception):
    def __init__(self, field: str, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.error = (field, code, message)


def _identifier(value: Any, field: str, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise _Refused(field, ErrorCode.REQUIRED, f"{field} is required")
        return None
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        raise _Refused(field, ErrorCode.INVALID, "1-64 characters: letters, digits and . _ : -")
    return value


def _time(value: Any, now: datetime) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise _Refused("occurredAt", ErrorCode.INVALID, "an ISO 8601 time") from exc
    if not isinstance(value, datetime):
        raise _Refused("occurredAt", ErrorCode.REQUIRED, "occurredAt is required")
    if value.tzinfo is None:
        raise _Refused("occurredAt", ErrorCode.INVALID, "occurredAt needs a UTC offset")
    value = value.astimezone(UTC)
    if value > now + FUTURE_SLACK:
        raise _Refused(
            "occurredAt", ErrorCode.TIME_OUT_OF_RANGE, "occurredAt is too far in the future"
        )
    if value < now - MAX_AGE:
        raise _Refused("occurredAt", ErrorCode.TIME_OUT_OF_RANGE, "occurredAt is too old")
    return value


def _property_value(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Refused("properties", ErrorCode.INVALID_PROPERTIES, f"'{key}' is not finite")
        return value
    if isinstance(value, str):
        if len(value) > MAX_PROPERTY_TEXT:
            raise _Refused(
                "properties",
                ErrorCode.INVALID_PROPERTIES,
                f"'{key}' is longer than {MAX_PROPERTY_TEXT} characters",
            )
        return value
    raise _Refused(
        "properties",
        ErrorCode.INVALID_PROPERTIES,
        f"'{key}' must be a string, number, boolean or null (no nested objects or lists)",
    )


def _properties(value: Any) -> str:
    if value is None:
        return "{}"
    if not isinstance(value, dict):
        raise _Refused("properties", ErrorCode.INVALID_PROPERTIES, "properties is an object")
    if len(value) > MAX_PROPERTIES:
        raise _Refused(
            "properties", ErrorCode.INVALID_PROPERTIES, f"at most {MAX_PROPERTIES} properties"
        )
    clean: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str) or not PROPERTY_KEY.match(key):
            raise _Refused(
                "properties",
                ErrorCode.INVALID_PROPERTIES,
                "property names are 1-64 characters: letters, digits and _",
            )
        clean[key] = _property_value(key, item)
    text = orjson.dumps(clean, option=orjson.OPT_SORT_KEYS).decode()
    if len(text.encode()) > MAX_PROPERTIES_BYTES:
        raise _Refused(
            "properties", ErrorCode.INVALID_PROPERTIES, f"at most {MAX_PROPERTIES_BYTES} bytes"
        )
    return text


GlobalIdDecoder = Callable[[str, str], int]  # (global id, type name) -> pk, or ValueError


def _global_id(value: Any, type_name: str, field: str, decode: GlobalIdDecoder) -> int | None:
    if value is None or value == "":
        return None
    try:
        if not isinstance(value, str):
            raise ValueError(value)
        return int(decode(value, type_name))
    except ValueError as exc:
        raise _Refused(field, ErrorCode.INVALID, f"{field} is not a {type_name} id") from exc


def _name(value: Any, custom: set[str]) -> str:
    if not isinstance(value, str) or not value:
        raise _Refused("name", ErrorCode.REQUIRED, "name is required")
    if not NAME_PATTERN.match(value) or (value not in STANDARD_EVENTS and value not in custom):
        raise _Refused(
            "name",
            ErrorCode.UNKNOWN_EVENT_NAME,
            f"'{value[:64]}' is neither a standard event nor one the brand defined",
        )
    return value


def clean_event(
    position: int,
    raw: RawEvent,
    custom: set[str],
    now: datetime,
    decode: GlobalIdDecoder,
    default_customer: int | None = None,
) -> CleanEvent | FieldError:
    """The clean event, or the first problem found with it (one error per refused event).
    `default_customer`: whose the event is when it names nobody (a customer's own token)."""
    try:
        event_id = _identifier(raw.event_id, "eventId", required=True)
        assert event_id is not None
        name = _name(raw.name, custom)
        occurred_at = _time(raw.occurred_at, now)
        customer = _global_id(raw.customer_id, "Customer", "customerId", decode)
        customer = default_customer if customer is None else customer
        anonymous = _identifier(raw.anonymous_id, "anonymousId", required=False)
        if customer is None and anonymous is None:
            raise _Refused("customerId", ErrorCode.REQUIRED, "customerId or anonymousId")
        return CleanEvent(
            position=position,
            event_id=event_id,
            name=name,
            occurred_at=occurred_at,
            customer_id=customer,
            anonymous_id=anonymous,
            session_id=_identifier(raw.session_id, "sessionId", required=False),
            store_id=_global_id(raw.store_id, "Store", "storeId", decode),
            properties=_properties(raw.properties),
        )
    except _Refused as refused:
        field, code, message = refused.error
        return FieldError(f"events[{position}].{field}", code, message)
