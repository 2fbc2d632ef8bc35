"""What the operators' handles cost a request: metrics, request record, RateLimit headers.

    python -m bench.observability_overhead [--requests 2000] [--rounds 7] [--log]

Builds the app twice in one process on a fresh SQLite database: as served, and without
`ObservedRequests` and with the per-operation hook replaced by a no-op (the baseline). Sends
the same small public query (`brand(slug:)`, the cheapest request that executes) straight to
each ASGI app, with no HTTP client or socket, alternating rounds, and prints the CPU
microseconds per request of each (medians over rounds) and the difference. `--log` also turns
the JSON request log on (written to /dev/null).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import orjson

import observability.request_record as request_record
import schema as schema_module
from config import Settings
from models.db import close_db, init_db, run_migrations
from observability import request_log
from observability.middleware import ObservedRequests
from server import create_app
from services.brands import brands

QUERY = orjson.dumps({"query": '{ brand(slug: "bench") { name currency } }'})


def _scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(QUERY)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def _request(app: Any) -> int:
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": QUERY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(_scope(), receive, send)
    return status


class Discard:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


async def _isolated(requests: int) -> tuple[float, float]:
    """CPU microseconds of the middleware around an app that answers at once, and of the hook,
    each over `requests` calls: repeatable where whole requests drift."""

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def ignore(message: Any) -> None:
        pass

    async def nothing() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    scope = {"type": "http", "path": "/graphql", "method": "POST", "state": {"request_id": "r"}}
    observed = ObservedRequests(answer, Settings(database_url="sqlite://:memory:"))
    started = time.process_time()
    for _ in range(requests):
        await observed(scope, nothing, ignore)
    middleware = time.process_time() - started
    started = time.process_time()
    for _ in range(requests):
        await answer(scope, nothing, ignore)
    middleware -= time.process_time() - started
    brand, principal = SimpleNamespace(slug="bench"), SimpleNamespace(kind="app", subject_id=1)
    context = SimpleNamespace(brand=brand, principal=principal)
    result = SimpleNamespace(data={"brand": None}, errors=None)
    token = request_record.CURRENT.set(request_record.RequestRecord("r", "http"))
    started = time.process_time()
    for _ in range(requests):
        request_record.operation_executed(context, "Bench", None, result, 0.001)
    hook = time.process_time() - started
    request_record.CURRENT.reset(token)
    return middleware / requests * 1e6, hook / requests * 1e6


async def _round(app: Any, requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        assert await _request(app) == 200
    return (time.process_time() - started) / requests * 1e6


async def main(requests: int, rounds: int, log: bool) -> None:
    folder = tempfile.mkdtemp(prefix="crm-bench-")
    url = f"sqlite://{os.path.join(folder, 'bench.sqlite3')}"
    settings = replace(
        Settings.from_env({"CRM_DATABASE_URL": url, "CRM_VAR_DIR": folder}),
        rate_limit_per_second=1e9,
        rate_limit_burst=1e12,
        request_log=log,
    )
    await run_migrations(url)
    await init_db(url)
    await brands.create_brand("bench", "Bench")
    served = create_app(settings, manage_db=False)
    bare = create_app(settings, manage_db=False)
    bare.user_middleware = [m for m in bare.user_middleware if m.cls is not ObservedRequests]
    if log:  # formatted and written, to nowhere
        request_log.enable()
        logging.getLogger("crm.requests").handlers[0].setStream(Discard())  # type: ignore[attr-defined]
    hook = request_record.operation_executed
    timings: dict[str, list[float]] = {"served": [], "baseline": []}
    async with served.router.lifespan_context(served), bare.router.lifespan_context(bare):
        for app in (served, bare):  # warm up both
            await _round(app, 200)
        for _ in range(rounds):
            schema_module.operation_executed = hook  # type: ignore[attr-defined]
            timings["served"].append(await _round(served, requests))
            schema_module.operation_executed = lambda *args: None  # type: ignore[attr-defined]
            timings["baseline"].append(await _round(bare, requests))
    schema_module.operation_executed = hook  # type: ignore[attr-defined]
    await close_db()
    served_us = statistics.median(timings["served"])
    baseline_us = statistics.median(timings["baseline"])
    print(f"requests per round {requests}, rounds {rounds}, request log {'on' if log else 'off'}")
    print(f"baseline (no observability): {baseline_us:8.1f} us CPU per request")
    print(f"served (metrics, record, RateLimit headers): {served_us:8.1f} us CPU per request")
    print(
        f"difference: {served_us - baseline_us:+.1f} us per request "
        f"({(served_us / baseline_us - 1) * 100:+.1f} %; within the rounds' spread "
        f"{min(timings['baseline']):.0f}-{max(timings['baseline']):.0f} us of the baseline)"
    )
    middleware_us, hook_us = await _isolated(100_000)
    print(f"isolated: middleware {middleware_us:.1f} us, operation hook {hook_us:.1f} us a call")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--log", action="store_true")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.requests, arguments.rounds, arguments.log)))
