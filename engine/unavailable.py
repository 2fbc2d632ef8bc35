"""A dependency that went away is a typed SERVICE_UNAVAILABLE (HTTP 503, Retry-After), never an
INTERNAL_SERVER_ERROR or a plain 500.

- Inside GraphQL: an error raised from a lost database connection is reported as
  SERVICE_UNAVAILABLE (engine.extensions); a query (a read) that met one runs once more, on a
  fresh connection, before it is reported (engine.policies.RequestPipeline).
- Outside it (authentication's lookups, /auth/token...): `ServiceUnavailableMiddleware` answers
  a lost connection that escapes the app, before a response has started, with the same JSON.

Redis never gets here: its helpers go on in the process (engine.redis_guard).
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from models.pool import connection_lost

log = logging.getLogger("crm")

CODE = "SERVICE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 1
MESSAGE = "the database connection was lost; retry shortly"


def unavailable_error(error: GraphQLError, request_id: str) -> GraphQLError:
    return GraphQLError(
        message=f"{MESSAGE} (request id {request_id})",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": CODE, "retryAfter": RETRY_AFTER_SECONDS, "requestId": request_id},
    )


def unavailable_retry_after(data: object) -> int | None:
    """The Retry-After seconds when a response (or one of a batch's) met a lost dependency."""
    for item in data if isinstance(data, list) else [data]:
        errors: list[dict[str, Any]] = (
            list(item.get("errors") or []) if isinstance(item, dict) else []
        )
        for error in errors:
            extensions = error.get("extensions") or {}
            if extensions.get("code") == CODE:
                return int(extensions.get("retryAfter", RETRY_AFTER_SECONDS))
    return None


class ServiceUnavailableMiddleware:
    """A lost database connection that escapes the app becomes a typed 503, when no response
    has started (after one has, nothing can be said: the exception goes on)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            if started or not connection_lost(exc):
                raise
            request_id = scope.get("state", {}).get("request_id", "")
            log.warning("database connection lost (request %s): %s", request_id, exc)
            body = {
                "errors": [
                    {
                        "message": MESSAGE,
                        "extensions": {
                            "code": CODE,
                            "retryAfter": RETRY_AFTER_SECONDS,
                            "requestId": request_id,
                        },
                    }
                ]
            }
            headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
            await JSONResponse(body, status_code=503, headers=headers)(scope, receive, send)
