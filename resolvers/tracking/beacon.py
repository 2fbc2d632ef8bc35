"""POST /track: the tracking beacon (`navigator.sendBeacon`-style), feeding `trackEvents`' path.

The body is JSON, `{"events": [...]}` (or a bare array), whatever the Content-Type says:
`sendBeacon` sends a string as text/plain and cannot set headers. Credentials, first found:
`Authorization: Bearer <token>` (a customer, or `events:write`), then a public write key in the
`X-Tracking-Key` header, the `writeKey` query parameter or the body's `writeKey`. A write key
sends visitor events only and is rate limited per key and per key and client address.
"""

from __future__ import annotations

from typing import Any, Protocol

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.context import Context, authenticate, bearer_token
from auth.scopes import Scope
from config import Settings
from resolvers.ids import decode_id
from resolvers.tracking.mutations import tracker_of
from services.common.actor import Actor
from services.common.errors import DomainError
from services.tracking import keys
from services.tracking.ingest import Tracker, TrackResult, track
from services.tracking.validation import MAX_BATCH, RawEvent

CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Tracking-Key",
    "Access-Control-Max-Age": "86400",
}
EVENT_KEYS = {
    "eventId": "event_id",
    "name": "name",
    "occurredAt": "occurred_at",
    "customerId": "customer_id",
    "anonymousId": "anonymous_id",
    "sessionId": "session_id",
    "storeId": "store_id",
    "properties": "properties",
}


class Limiter(Protocol):
    """What the app's tracking rate limiters offer (server.py builds them)."""

    async def take(self, key: str, cost: float) -> Any: ...


def _refusal(status: int, code: str, message: str, **headers: str) -> JSONResponse:
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return JSONResponse(body, status_code=status, headers={**CORS, **headers})


def _raw_event(item: Any) -> RawEvent:
    if not isinstance(item, dict):
        return RawEvent(event_id=None, name=None, occurred_at=None)
    return RawEvent(**{EVENT_KEYS[k]: v for k, v in item.items() if k in EVENT_KEYS})


def _parse(body: bytes) -> tuple[list[Any], str | None]:
    document = orjson.loads(body)
    if isinstance(document, list):
        return document, None
    if not isinstance(document, dict) or not isinstance(document.get("events"), list):
        raise ValueError('send {"events": [...]}')
    key = document.get("writeKey")
    return document["events"], key if isinstance(key, str) else None


async def _token_tracker(request: Request, settings: Settings, token: str) -> Tracker | Response:
    context = Context(request=request, settings=settings, request_id=_request_id(request))
    await authenticate(context, token)
    principal = context.principal
    if principal is None:
        return _refusal(401, "UNAUTHENTICATED", context.auth_error or "invalid token")
    if principal.kind != "customer" and not principal.has(Scope.EVENTS_WRITE.value):
        return _refusal(403, "FORBIDDEN", "requires scope events:write or a customer token")
    return tracker_of(context)


async def _key_tracker(request: Request, key: str, events: int) -> Tracker | Response:
    found = await keys.active_key(key)
    if found is None:
        return _refusal(401, "UNAUTHENTICATED", "unknown or revoked write key")
    client = request.client.host if request.client else "unknown"
    cost = max(1, events)
    for limiter, bucket in (
        (request.app.state.tracking_key_limiter, f"trackkey:{found.id}"),
        (request.app.state.tracking_client_limiter, f"trackclient:{found.id}:{client}"),
    ):
        decision = await limiter.take(bucket, cost)
        if not decision.allowed:
            wait = max(1, round(decision.retry_after + 0.5))
            return _refusal(429, "RATE_LIMITED", "too many events", **{"Retry-After": str(wait)})
    actor = Actor(found.brand_id, "tracking_key", str(found.id), _request_id(request))
    return Tracker(actor, anonymous_only=True)


def _request_id(request: Request) -> str:
    return str(request.scope.get("state", {}).get("request_id", ""))


def _answer(result: TrackResult) -> JSONResponse:
    errors = [{"field": e.field, "code": e.code.value, "message": e.message} for e in result.errors]
    body = {"accepted": result.accepted, "duplicates": result.duplicates, "errors": errors}
    return JSONResponse(body, headers=CORS)


async def beacon(request: Request) -> Response:
    if request.method == "OPTIONS":
        return Response(status_code=204, headers=CORS)
    try:
        events, body_key = _parse(await request.body())
    except (orjson.JSONDecodeError, ValueError) as exc:
        return _refusal(400, "BAD_USER_INPUT", f"malformed body: {exc}")
    if len(events) > MAX_BATCH:
        return _refusal(400, "BAD_USER_INPUT", f"a batch holds at most {MAX_BATCH} events")
    settings: Settings = request.app.state.settings
    token = bearer_token(request.headers.get("authorization"))
    key = request.headers.get("x-tracking-key") or request.query_params.get("writeKey") or body_key
    if token is not None:
        tracker = await _token_tracker(request, settings, token)
    elif key:
        tracker = await _key_tracker(request, key, len(events))
    else:
        return _refusal(401, "UNAUTHENTICATED", "send a bearer token or a write key")
    if isinstance(tracker, Response):
        return tracker
    try:
        result = await track(tracker, [_raw_event(item) for item in events], decode_id)
    except DomainError as exc:  # the batch as a whole (its size) was refused
        return _answer(TrackResult(errors=exc.errors))
    return _answer(result)
