"""The common GraphQL request, a JSON POST of one operation, answered without the generic view.

Starlette's exception middleware and router and strawberry's HTTP view (content negotiation
through `email.message`, a runtime-checked Protocol per result, request adapters, a response
object) cost about a sixth of a small mutation's CPU. `LeanGraphQLPost` sits inside the app's
own middleware (request id, body size limit, relay wake-up) and answers a POST to /graphql whose
body is a JSON object with a query, itself: the same context, the same schema call (and so the
same request policies, engine/policies.py) with the same allowed operation types, the same
JSON and status (429 with Retry-After when rate limited, the view's 400 for an operation the
POST cannot carry: no query, an unknown operation name, a subscription).

A worker executes at most `CRM_MAX_CONCURRENT_REQUESTS` GraphQL requests over HTTP at once,
these POSTs and those the view answers (GET, batches, persisted-query hashes, uploads), their
bodies read first, so a slow client holds no place; later ones wait their turn in arrival
order. Past the database pool's size, more operations at once only queue for connections
inside execution, fifty requests' objects alive together: at fifty concurrent requests on a
pool of ten, the limit gave 8-15 % more requests a second in two of three paired runs (the
same in the third) and halved the 95th percentile latency (docs/performance.md).

Everything else goes on to the app unchanged, with the body replayed if it was read: other
paths and methods, batches, persisted-query hashes (Apollo's protocol, handled by the view),
multipart uploads, streamed responses and bodies that are not such an object.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLHTTPResponse, process_result
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.utils.operation import OperationType

from auth.context import build_context
from config import Settings
from engine.http_refusals import refusal, transport_refusal
from engine.limits import caller_key_of_request
from engine.response_media import JSON, negotiated, shaped
from engine.unavailable import unavailable_retry_after
from schema import CRMSchema

POST_OPERATIONS = frozenset({OperationType.QUERY, OperationType.MUTATION})
Answer = tuple[int, str, bytes, int | None]  # status, content type, body, Retry-After


class LeanGraphQLPost:
    def __init__(self, app: ASGIApp, schema: CRMSchema, settings: Settings) -> None:
        self.app = app
        self.schema = schema
        self.settings = settings
        limit = settings.max_concurrent_requests
        self.turns = asyncio.Semaphore(limit) if limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != "/graphql"
            or scope["method"] not in ("GET", "POST")
        ):
            await self.app(scope, receive, send)
            return
        accept = _json_post_accept(scope)
        if accept is None:  # GET, uploads, other bodies: the view's, in turn like the rest
            if scope["method"] == "POST":
                receive = replaying(await _read_body(receive), receive)
            async with self.turns or nullcontext():
                await self.app(scope, receive, send)
            return
        media_type = negotiated(accept)
        held_back = self._held_back(scope)
        if held_back is not None:  # the body is not even read
            payload = orjson.dumps({"data": None, "errors": [held_back.formatted]})
            wait = int((held_back.extensions or {})["retryAfter"])
            await _send(send, 429, media_type, payload, wait)
            return
        body = await _read_body(receive)
        async with self.turns or nullcontext():
            answer = await self._respond(scope, body, media_type, receive, send)
        if answer is not None:
            await _send(send, *answer)

    def _held_back(self, scope: Scope) -> GraphQLError | None:
        """The refusal for a caller whose documents keep being refused by a limit
        (engine/refusals.py), decided from the headers; None at once when nobody is."""
        refusals = self.schema.refusals
        if refusals is None or not refusals.buckets:
            return None
        return refusals.held_back(caller_key_of_request(scope, self.settings))

    async def _respond(
        self, scope: Scope, body: bytes, media_type: str, receive: Receive, send: Send
    ) -> Answer | None:
        """The lean answer to send, or None once the app has answered the request itself."""
        request_data = _single_operation(body)
        if request_data is None:
            await self.app(scope, replaying(body, receive), send)
            return None
        with cancelled_on_disconnect(receive) as disconnected:
            try:
                return await self._answer(scope, request_data, media_type)
            except asyncio.CancelledError:
                if not disconnected.is_set():
                    raise
                return None  # the client has gone: its work stops, nobody to answer

    async def _answer(self, scope: Scope, request_data: dict[str, Any], media_type: str) -> Answer:
        context = await build_context(Request(scope), self.settings)
        try:
            result = await self.schema.execute(
                request_data["query"],
                request_data.get("variables"),
                context,
                None,
                request_data.get("operationName"),
                POST_OPERATIONS,
                request_data.get("extensions"),
            )
        except (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError) as exc:
            refused = refusal(400, transport_refusal(exc, "POST"))  # as the view answers it
            return 400, JSON, bytes(refused.body), None
        response = process_result(result)
        retry_after = rate_limited_retry_after(response)
        status = shaped(response, media_type, rate_limited=retry_after is not None)  # type: ignore[arg-type]
        if retry_after is None and (retry_after := unavailable_retry_after(response)) is not None:
            status = 503
        return status, media_type, orjson.dumps(response), retry_after


async def _send(
    send: Send, status: int, media_type: str, payload: bytes, retry_after: int | None
) -> None:
    headers = [
        (b"content-type", media_type.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _json_post_accept(scope: Scope) -> str | None:
    """The Accept header ("" when absent) of a JSON POST to /graphql the lean path may answer."""
    if scope["method"] != "POST":
        return None
    content_type = accept = b""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"accept":
            accept = value
    media_type = content_type.split(b";", 1)[0].strip().lower()
    # Streamed transports (multipart/mixed, server-sent events) are the view's.
    if media_type != b"application/json" or b"multipart" in accept or b"event-stream" in accept:
        return None
    return accept.decode("latin-1")


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _single_operation(body: bytes) -> dict[str, Any] | None:
    """The request's object when it is one plain operation the lean path can answer."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("query"), str):
        return None
    extensions = data.get("extensions")
    if extensions is not None and (not isinstance(extensions, dict) or extensions):
        return None  # persisted-query hashes and other extensions: the view's
    if not isinstance(data.get("variables"), dict | None) or not isinstance(
        data.get("operationName"), str | None
    ):
        return None
    return data


@contextmanager
def cancelled_on_disconnect(receive: Receive) -> Iterator[asyncio.Event]:
    """Cancels the current task when the client disconnects (its body already read, the next
    message is the disconnect; the event is then set): a statement in flight is cancelled on
    the database too."""
    disconnected = asyncio.Event()
    task = asyncio.current_task()
    assert task is not None

    async def wait_for_disconnect() -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected.set()
                task.cancel()
                return

    watcher = asyncio.ensure_future(wait_for_disconnect())
    try:
        yield disconnected
    finally:
        watcher.cancel()
        if disconnected.is_set():
            task.uncancel()


def replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` that hands over the already read body first."""
    first: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        return first.pop() if first else await receive()

    return replay


def rate_limited_retry_after(
    data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
) -> int | None:
    """The Retry-After seconds when a response (or one of a batch's) was rate limited."""
    for item in data if isinstance(data, list) else [data]:
        errors: list[dict[str, Any]] = list(item.get("errors") or [])  # type: ignore[arg-type]
        for error in errors:
            extensions = error.get("extensions") or {}
            if extensions.get("code") == "RATE_LIMITED":
                return int(extensions.get("retryAfter", 1))
    return None
