"""The record of one request, shared by the metrics, the request log and the rate-limit headers.

`ObservedRequests` (observability/middleware.py) opens a record per HTTP request or websocket;
`operation_executed` is the one hook called once per executed operation (by the request policy
`engine.policies.RecordOperation`), and `rate_decided` by the rate limiter (RecordingRateLimiter).
Nothing personal is kept: names of operations, the brand's slug, the principal's kind and id.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from engine.ratelimit import Decision
from observability import metrics

OPERATION_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")
NAMED_OPERATION = re.compile(
    r"\A(?:\s|#[^\n]*\n|,)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]{0,63})\b"
)


@dataclass(slots=True)
class OperationRecord:
    name: str
    outcome: str
    seconds: float


@dataclass(slots=True)
class RequestRecord:
    request_id: str
    kind: str  # "http" or "websocket"
    brand: str | None = None
    principal: str | None = None
    operations: list[OperationRecord] = field(default_factory=list)
    rate: Decision | None = None


log = logging.getLogger("crm")
CURRENT: ContextVar[RequestRecord | None] = ContextVar("crm_request_record", default=None)


def outcome_of(result: Any) -> str:
    """ok, error (executed with errors), refused (nothing executed) or rate_limited."""
    if result is None:
        return "refused"
    errors = result.errors
    if not errors:
        return "ok"
    codes = {(error.extensions or {}).get("code") for error in errors}
    if "RATE_LIMITED" in codes:
        return "rate_limited"
    if result.data is None and all(not error.path for error in errors):
        return "refused"
    return "error"


def operation_name(given: object, query: object) -> str:
    """The operation's name as sent, or as written in the document; "anonymous" otherwise.
    Both come from the client as they are: anything but a name is "invalid"."""
    if given:
        valid = isinstance(given, str) and OPERATION_NAME.fullmatch(given)
        return given if valid else "invalid"  # type: ignore[return-value]
    found = NAMED_OPERATION.match(query[:2000]) if isinstance(query, str) else None
    return found.group(1) if found else "anonymous"


def identify(context: Any) -> None:
    """Notes the caller (brand and principal) on the current request's record."""
    record = CURRENT.get()
    if record is None or context is None:
        return
    brand = getattr(context, "brand", None)
    principal = getattr(context, "principal", None)
    if brand is not None:
        record.brand = brand.slug
    if principal is not None:
        record.principal = f"{principal.kind}:{principal.subject_id}"


def operation_executed(
    context: Any, given_name: str | None, query: str | None, result: Any, seconds: float
) -> None:
    """The hook: called once per executed (or refused) GraphQL operation. Observing never
    fails the request it observes."""
    try:
        outcome = outcome_of(result)
        name = metrics.observe_operation(operation_name(given_name, query), outcome, seconds)
        record = CURRENT.get()
        if record is not None:
            record.operations.append(OperationRecord(name, outcome, seconds))
            identify(context)
    except Exception:
        log.exception("observing an operation failed")


def rate_decided(decision: Decision) -> None:
    record = CURRENT.get()
    if record is not None:
        record.rate = decision
