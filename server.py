"""The Starlette application: routes, lifespan, middleware."""

from __future__ import annotations

import gc
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType
from tortoise import Tortoise

from auth.context import Context, authenticate, bearer_token, build_context
from auth.credential_throttle import build_credential_throttle
from auth.live_connections import LiveConnections, Revocation
from auth.oauth import token_endpoint
from config import Settings
from engine.http_refusals import (
    body_shape_error,
    execute_http_operation,
    operation_shape_error,
    refusal,
)
from engine.lean_post import LeanGraphQLPost, rate_limited_retry_after, replaying
from engine.parsing import Parse
from engine.persisted import MALFORMED_HASH, RegistrationPolicy, apply_persisted_query
from engine.persisted_queries import build_query_store
from engine.ratelimit import RateLimiter, build_rate_limiter
from engine.response_media import JSON, negotiated, shaped
from engine.revocable_ws import RevocableLegacyWSHandler, RevocableTransportWSHandler
from engine.tarpit import RefusalTarpit
from engine.unavailable import ServiceUnavailableMiddleware, unavailable_retry_after
from engine.validation import Validation
from events.outbox import backlog as outbox_backlog
from events.runtime import EventsRuntime
from events.wakeup import WakeRelayAfterRequest
from library_adapter import graphql_core_schema
from models.db import close_db, init_db
from models.pool import pool_usage
from models.sealed import install_keys
from observability.metrics import Sampler, metrics_endpoint
from observability.middleware import ObservedRequests
from observability.ratelimit_headers import RecordingRateLimiter
from observability.request_record import identify
from resolvers.tracking.beacon import beacon
from schema import build_schema
from services.brands import allowlist as query_allowlist
from services.brands import usage
from services.jobs import routes as job_files
from services.jobs.runner import JobRunner
from services.privacy.logs import install as personal_data_out_of_logs
from web.pages import dashboard as dashboard_page
from web.pages import graphiql_page, static_files

log = logging.getLogger("crm")

# Fanning an event out to a thousand websockets allocates heavily; with the default (700, 10,
# 10) the cyclic collector took about a quarter of a worker's CPU (bench/subscriptions.py).
GC_THRESHOLDS = (50_000, 50, 100)


class RequestIdMiddleware:
    """Gives every request an id (or keeps the caller's X-Request-ID) and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming[:64] if incoming.isprintable() and incoming else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Sends every message as a text frame: the graphql-ws client and browsers expect text (the
    JSON is encoded to bytes, which strawberry would send as binary frames)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc
        except RuntimeError as exc:  # sent after the socket was closed (a revoked token)
            raise WebSocketDisconnected from exc


class CRMGraphQL(GraphQL[Context, None]):
    websocket_adapter_class = TextFrameWebSocketAdapter
    graphql_transport_ws_handler_class = RevocableTransportWSHandler
    graphql_ws_handler_class = RevocableLegacyWSHandler

    def __init__(self, settings: Settings) -> None:
        self.rate_limiter = RecordingRateLimiter(  # its decisions become RateLimit headers
            build_rate_limiter(
                settings.redis_url,
                settings.redis_prefix,
                settings.rate_limit_per_second,
                settings.rate_limit_burst,
            )
        )
        self.query_store = build_query_store(settings.redis_url, settings.redis_prefix)
        schema = build_schema(
            introspection=settings.introspection,
            anonymous_introspection=settings.anonymous_introspection,
            max_query_cost=settings.max_query_cost,
            rate_limiter=self.rate_limiter,
            max_batch_operations=settings.max_batch_operations,
            max_list_length=settings.max_list_length,
            validation_budget_ms=settings.validation_budget_ms,
        )
        super().__init__(schema, graphql_ide="graphiql" if settings.graphiql else None)
        self.crm_schema = schema
        self.settings = settings
        self.live_connections = LiveConnections(settings.ws_token_recheck_seconds)
        self.registrations = RegistrationPolicy(
            graphql_core_schema(schema),
            schema.pipeline.of(Validation).rules,
            schema.pipeline.of(Parse).max_tokens,
            settings.max_persisted_query_bytes,
            self.rate_limiter,
            settings.validation_budget_ms / 1000,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:  # strawberry's refusals are plain text: typed JSON instead
            response = refusal(exc.status_code, exc.reason)
        await response(scope, receive, send)

    def parse_json(self, data: str | bytes) -> Any:
        decoded = super().parse_json(data)
        # A request body arrives as bytes; GET's `variables` and `extensions` as text.
        problem = body_shape_error(decoded) if isinstance(data, bytes) else None
        if problem is not None:
            raise HTTPException(400, problem)
        return decoded

    async def parse_http_body(self, request: Any) -> Any:
        parsed = await super().parse_http_body(request)
        for item in parsed if isinstance(parsed, list) else [parsed]:
            problem = operation_shape_error(
                item.query, item.variables, item.operation_name, item.extensions
            )
            if problem is not None:
                raise HTTPException(400, problem)
        return parsed

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        return await build_context(request, self.settings)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """The token travels in connection_init, or else in the upgrade request's header. One
        in connection_init wins: it must be valid, whatever the header holds (docs/auth.md)."""
        params = context.connection_params or {}
        authorization = params.get("authorization") or params.get("Authorization")
        if authorization is not None:
            context.principal = context.brand = context.auth_error = None
            context.allow_list_only = False
            token = bearer_token(str(authorization))
            if token is None:
                context.auth_error = "connection_init authorization is not a bearer token"
            else:
                await authenticate(context, token)
        if context.principal is None:
            raise ConnectionRejectionError({"message": context.auth_error or "token required"})
        identify(context)  # the connection's brand and principal, for its log line
        return UNSET

    async def execute_single(  # type: ignore[override]
        self,
        request: Request,
        request_adapter: Any,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        scope = context.brand.slug if context.brand is not None else "public"
        error = await apply_persisted_query(
            self.query_store,
            scope,
            request_data,
            registered_lookup(context),
            partial(self.registrations.refusal, context=context),
        )
        if error is not None:
            if (error.extensions or {}).get("code") == MALFORMED_HASH:
                sub_response.status_code = 400
            return ExecutionResult(data=None, errors=[error])
        return await execute_http_operation(
            self.crm_schema, request_adapter.method, context, request_data
        )

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        sub_response.media_type = negotiated(request.headers.get("accept"))
        return sub_response

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        media_type = sub_response.media_type or JSON
        retry_after = rate_limited_retry_after(response_data)
        items = response_data if isinstance(response_data, list) else [response_data]
        statuses = [
            shaped(item, media_type, rate_limited_retry_after(item) is not None)  # type: ignore[arg-type]
            for item in items
        ]
        response = super().create_response(response_data, sub_response)
        response.headers["content-type"] = media_type
        unavailable = unavailable_retry_after(response_data)
        if retry_after is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(retry_after)
        elif unavailable is not None:
            response.status_code = 503
            response.headers["Retry-After"] = str(unavailable)
        elif not isinstance(response_data, list) and not sub_response.status_code:
            response.status_code = statuses[0]
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_page()  # its files are served from /static: no CDN

    def encode_json(self, data: object) -> bytes:  # type: ignore[override]
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)  # its JSONDecodeError is json's: a bad body is still a 400

    async def close(self) -> None:
        await self.live_connections.close()
        await self.rate_limiter.close()
        await self.query_store.close()


async def revoke_live(live: LiveConnections, notice: dict[str, Any]) -> int:
    """A broker notice: close this worker's websockets of the revoked token or subject."""
    return await live.apply(Revocation.from_json(notice))


def registered_lookup(context: Context) -> Callable[[str], Awaitable[str | None]] | None:
    """Hash -> query text among the queries registered for the caller's app or brand."""
    brand, principal = context.brand, context.principal
    if brand is None or principal is None:
        return None
    app_id = principal.subject_id if principal.kind == "app" else None
    return partial(query_allowlist.registered_query, brand.id, app_id)


class BodySizeLimitMiddleware:
    """Refuses request bodies over the limit with 413 before anything parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(job_files.STREAMED_PREFIXES):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            if not message.get("more_body", False):
                break
        await self.app(scope, replaying(b"".join(chunks), receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            {
                "errors": [
                    {
                        "message": f"request body over {self.max_bytes} bytes",
                        "extensions": {"code": "PAYLOAD_TOO_LARGE"},
                    }
                ]
            },
            status_code=413,
        )
        await response(scope, receive, send)


def tracking_limiters(settings: Settings) -> tuple[RateLimiter, RateLimiter]:
    """The beacon's buckets of events: per write key, and per write key and client address."""
    prefix = f"{settings.redis_prefix}:tracking"
    return (
        build_rate_limiter(
            settings.redis_url,
            prefix,
            settings.tracking_key_events_per_second,
            settings.tracking_key_burst,
        ),
        build_rate_limiter(
            settings.redis_url,
            prefix,
            settings.tracking_client_events_per_second,
            settings.tracking_client_burst,
        ),
    )


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    checks: dict[str, str] = {}
    try:
        await Tortoise.get_connection("default").execute_query("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # any failure means not ready
        checks["database"] = f"error: {type(exc).__name__}"
    if settings.redis_url:
        checks["redis"] = await _redis_check(settings.redis_url)
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


async def _redis_check(url: str) -> str:
    from redis.asyncio import Redis

    client = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        await client.ping()
        return "ok"
    except Exception as exc:
        return f"error: {type(exc).__name__}"
    finally:
        await client.aclose()


def create_app(settings: Settings | None = None, manage_db: bool = True) -> Starlette:
    """Build the app; `manage_db=False` when the caller (tests, CLI) owns the ORM's lifetime."""
    settings = settings or Settings.from_env()
    install_keys(settings.data_keys, settings.data_key_id, settings.data_lookup_key)
    personal_data_out_of_logs()
    graphql = CRMGraphQL(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_db:
            await init_db(settings.database_url, settings.statement_timeout_ms)
        events = EventsRuntime(settings)
        app.state.events = events
        events.broker.notice_listener = partial(revoke_live, graphql.live_connections)
        await events.start()
        sampler = app.state.metrics_sampler = Sampler(pool_usage, outbox_backlog)
        sampler.start()
        job_runner = JobRunner(settings)
        app.state.job_runner = job_runner
        if settings.jobs_runner:
            await job_runner.start()
        if manage_db:  # a server process of its own; tests embed the app and keep the defaults
            gc.set_threshold(*GC_THRESHOLDS)
        try:
            yield
        finally:
            await sampler.stop()
            await job_runner.stop()
            await usage.drain()  # per-app usage counts still in memory
            await events.stop()
            await graphql.close()
            await app.state.tracking_key_limiter.close()
            await app.state.tracking_client_limiter.close()
            await app.state.credential_throttle.close()
            if manage_db:
                await close_db()

    app = Starlette(
        debug=settings.debug,
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/auth/token", token_endpoint, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_endpoint),
            Route("/dashboard", dashboard_page),
            Mount("/static", static_files()),
            *job_files.routes,
            Route("/track", beacon, methods=["POST", "OPTIONS"]),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.credential_throttle = build_credential_throttle(
        settings.redis_url, settings.redis_prefix
    )
    app.state.tracking_key_limiter, app.state.tracking_client_limiter = tracking_limiters(settings)
    app.add_middleware(LeanGraphQLPost, schema=graphql.crm_schema, settings=settings)
    app.add_middleware(ServiceUnavailableMiddleware)  # a lost database connection: typed 503
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    delay, slots = settings.refusal_delay_ms / 1000, settings.refusal_delay_slots
    app.add_middleware(RefusalTarpit, max_delay=delay, slots=slots)  # 429s wait (engine/tarpit)
    app.add_middleware(ObservedRequests, settings=settings)  # metrics, logs, RateLimit headers
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(WakeRelayAfterRequest)
    return app
