"""Prometheus metrics, served at /metrics.

Multi-process safe: when `PROMETHEUS_MULTIPROC_DIR` is set (by `crm serve --workers N`, or by
the operator before starting uvicorn with several workers), every worker writes its values to
that folder and /metrics, answered by any worker, adds them up (prometheus-client's
multiprocess mode). Operation names are labels only up to `MAX_OPERATION_NAMES` per process,
and only once an operation with that name has executed; the others count as "other", so no
client can grow the label set without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import choose_encoder
from starlette.requests import Request
from starlette.responses import Response

from observability.multiprocess import multiprocess_dir

MAX_OPERATION_NAMES = 200
SAMPLE_SECONDS = 5.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
ROUTES = ("/graphql", "/auth/token", "/healthz", "/readyz", "/metrics", "/dashboard")

OPERATIONS = Counter(
    "crm_graphql_operations",
    "GraphQL operations by operation name and outcome (ok, error, refused, rate_limited).",
    ["operation", "outcome"],
)
OPERATION_SECONDS = Histogram(
    "crm_graphql_operation_duration_seconds",
    "Time to answer a GraphQL operation, from its document to its result.",
    ["operation"],
    buckets=LATENCY_BUCKETS,
)
HTTP_REQUESTS = Counter(
    "crm_http_requests", "HTTP requests by route and status code.", ["route", "status"]
)
HTTP_SECONDS = Histogram(
    "crm_http_request_duration_seconds",
    "Time from a request's arrival to the end of its response.",
    ["route"],
    buckets=LATENCY_BUCKETS,
)
WEBSOCKETS = Gauge(
    "crm_websocket_subscribers",
    "Open GraphQL websocket connections (subscribers), over all workers.",
    multiprocess_mode="livesum",
)
POOL_IN_USE = Gauge(
    "crm_db_pool_connections_in_use",
    "PostgreSQL pool connections lent out (0 on SQLite), over all workers.",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "crm_db_pool_connections",
    "PostgreSQL pool connections open (0 on SQLite), over all workers.",
    multiprocess_mode="livesum",
)
OUTBOX_LAG = Gauge(
    "crm_outbox_lag_seconds",
    "Age of the oldest event not yet relayed (0 when the outbox is drained).",
    multiprocess_mode="mostrecent",
)
OUTBOX_WAITING = Gauge(
    "crm_outbox_unrelayed_events",
    "Events written but not yet relayed.",
    multiprocess_mode="mostrecent",
)
WEBHOOK_FAILURES = Counter(
    "crm_webhook_delivery_failures",
    "Failed webhook delivery attempts; final=true when the delivery gave up.",
    ["final"],
)

_operation_names: set[str] = set()
# Labelled children, looked up once: `labels()` validates and locks on every call.
_children: dict[tuple[object, ...], Any] = {}


def _child(metric: Any, *labels: str) -> Any:
    key = (metric, *labels)
    child = _children.get(key)
    if child is None:
        child = _children[key] = metric.labels(*labels)
    return child


def observe_operation(name: str, outcome: str, seconds: float) -> str:
    """Counts one operation; returns the label it was counted under."""
    if name not in _operation_names:
        executed = outcome in ("ok", "error")
        if executed and len(_operation_names) < MAX_OPERATION_NAMES:
            _operation_names.add(name)
        elif name not in ("anonymous", "invalid"):
            name = "other"
    _child(OPERATIONS, name, outcome).inc()
    _child(OPERATION_SECONDS, name).observe(seconds)
    return name


def route_of(path: str) -> str:
    if path in ROUTES:
        return path
    return "/static" if path.startswith("/static/") else "other"


def observe_request(path: str, status: int, seconds: float) -> None:
    route = route_of(path)
    _child(HTTP_REQUESTS, route, str(status)).inc()
    _child(HTTP_SECONDS, route).observe(seconds)


def webhook_attempt_failed(final: bool) -> None:
    WEBHOOK_FAILURES.labels("true" if final else "false").inc()


def exposition(accept: str | None) -> tuple[bytes, str]:
    """Every metric in the format the scraper accepts (Prometheus' text format by default),
    added up over workers in multi-process mode; and its content type."""
    encoder, content_type = choose_encoder(accept or "")
    if multiprocess_dir() is None:
        return encoder(REGISTRY), content_type
    registry = CollectorRegistry()
    prometheus_multiprocess.MultiProcessCollector(registry)
    return encoder(registry), content_type


async def metrics_endpoint(request: Request) -> Response:
    """/metrics; with `CRM_METRICS_TOKEN` set, only for `Authorization: Bearer <that token>`."""
    token = request.app.state.settings.metrics_token
    if token and not hmac.compare_digest(
        request.headers.get("authorization", "").encode(), f"Bearer {token}".encode()
    ):
        return Response("metrics need the metrics token\n", status_code=401)
    sampler: Sampler | None = getattr(request.app.state, "metrics_sampler", None)
    if sampler is not None:
        await sampler.sample()
    body, content_type = exposition(request.headers.get("accept"))
    return Response(body, headers={"content-type": content_type})


class Sampler:
    """Samples what has no event of its own (the pool, the outbox) every few seconds, and once
    more when /metrics is read."""

    def __init__(
        self,
        pool_usage: Callable[[], tuple[int, int] | None],
        outbox_backlog: Callable[[], Awaitable[tuple[int, float]]],
    ) -> None:
        self.pool_usage = pool_usage
        self.outbox_backlog = outbox_backlog
        self.task: asyncio.Task[None] | None = None

    async def sample(self) -> None:
        usage = self.pool_usage()
        in_use, size = usage if usage is not None else (0, 0)
        POOL_IN_USE.set(in_use)
        POOL_SIZE.set(size)
        waiting, lag = await self.outbox_backlog()
        OUTBOX_WAITING.set(waiting)
        OUTBOX_LAG.set(lag)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(Exception):  # a database hiccup must not end sampling
                await self.sample()
            await asyncio.sleep(SAMPLE_SECONDS)

    def start(self) -> None:
        self.task = asyncio.create_task(self._run(), name="metrics-sampler")

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        if multiprocess_dir() is not None:
            prometheus_multiprocess.mark_process_dead(os.getpid())
