"""`ObservedRequests`: the ASGI middleware that opens each request's record, adds the rate-limit
headers to /graphql responses, counts the request and the open websockets, and logs the request
when it is over."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config import Settings
from observability import metrics, request_log
from observability.ratelimit_headers import RateLimitHeaders
from observability.request_record import CURRENT, RequestRecord


class ObservedRequests:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.log_requests = settings.request_log
        self.rate_headers = RateLimitHeaders(
            settings.rate_limit_per_second, settings.rate_limit_burst
        )
        if self.log_requests:
            request_log.enable()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        record = RequestRecord(scope.get("state", {}).get("request_id", ""), kind)
        status = 0
        accepted = False

        async def observed_send(message: Message) -> None:
            nonlocal status, accepted
            event = message["type"]
            if event == "http.response.start":
                status = message["status"]
                if path == "/graphql":
                    extra = self.rate_headers.for_record(record)
                    message["headers"] = [*message.get("headers", ()), *extra]
            elif event == "websocket.accept":
                accepted = True
                metrics.WEBSOCKETS.inc()
            elif event == "websocket.close":
                status = message.get("code", 1000)
            await send(message)

        reset = CURRENT.set(record)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, observed_send)
        finally:
            CURRENT.reset(reset)
            seconds = time.perf_counter() - started
            if accepted:
                metrics.WEBSOCKETS.dec()
            if kind == "http":
                metrics.observe_request(path, status or 500, seconds)
            if self.log_requests:
                method = scope.get("method", "GET") if kind == "http" else "WS"
                final = status or (500 if kind == "http" else 1005)  # 1005: no close code
                request_log.request_finished(record, method, path, final, seconds)
