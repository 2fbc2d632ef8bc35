"""The one call the GraphQL schema makes when an operation finishes: count it for its app."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from auth.context import Context
from services.brands import usage


def operation_finished(context: Any, errors: list[Any] | None) -> None:
    """Count an app's finished operation (an error, a rate-limit refusal) for its daily usage;
    staff, customers and anonymous callers are not counted."""
    if not isinstance(context, Context) or context.brand is None or context.principal is None:
        return
    principal = context.principal
    if principal.kind != "app":
        return
    refused = any((e.extensions or {}).get("code") == "RATE_LIMITED" for e in errors or ())
    day = datetime.now(context.tz).date()
    usage.count(context.brand.id, principal.subject_id, day, bool(errors), refused)
