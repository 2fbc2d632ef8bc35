"""Structured request logs: one JSON line per HTTP request or websocket connection, on the
`crm.requests` logger (standard output), when `CRM_REQUEST_LOG=json`.

A line holds the request id, the route, the status (a websocket's close code), the duration,
the brand's slug, the principal's kind and id, and the names and outcomes of the operations.
Never the query string, the document, variables, headers, tokens or the client's address: no
personal data.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from observability.request_record import RequestRecord

log = logging.getLogger("crm.requests")


def enable() -> None:
    """Sends the request lines to standard output, one JSON object a line, once per process."""
    if not any(getattr(handler, "crm_requests", False) for handler in log.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.crm_requests = True  # type: ignore[attr-defined]
        log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def line(record: RequestRecord, method: str, path: str, status: int, seconds: float) -> bytes:
    entry: dict[str, Any] = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "type": record.kind,
        "request_id": record.request_id,
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
        "brand": record.brand,
        "principal": record.principal,
        "operations": [operation.name for operation in record.operations],
        "outcomes": [operation.outcome for operation in record.operations],
    }
    return orjson.dumps(entry)


def request_finished(
    record: RequestRecord, method: str, path: str, status: int, seconds: float
) -> None:
    if log.isEnabledFor(logging.INFO):
        log.info(line(record, method, path, status, seconds).decode())
