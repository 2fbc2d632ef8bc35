"""Benchmark 1 and 2: a nested read through /graphql against a hand-written endpoint.

    CRM_DATABASE_URL=postgres://... python -m bench.seed --customers 100000
    CRM_DATABASE_URL=postgres://... python -m bench.nested_read

Starts one uvicorn worker with both endpoints, checks they return the same data, then loads
each at concurrency 10 and 50 and prints requests/s, p50/p95 and the ratio GraphQL/baseline.
It also counts SQL statements per nested read at page sizes 10, 50 and 100.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time

import httpx
import orjson

from auth.tokens import issue_token
from bench.baseline_app import POOL_SIZE, nested_query
from bench.loadgen import LoadResult, build_request, merge, run_load
from config import Settings

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


async def demo_token(settings: Settings, slug: str) -> str:
    from models import App, Brand
    from models.db import close_db, init_db
    from services.brands import brands

    await init_db(settings.database_url)
    try:
        brand = await Brand.get(slug=slug)
        app = await App.get_or_none(brand_id=brand.id, name="bench")
        if app is None:
            app = (await brands.create_app(brand, "bench", ["admin"])).app
        return issue_token(settings, "app", app.id, slug, frozenset({"admin"}), 3600).token
    finally:
        await close_db()


def start_server(port: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, CRM_RATE_LIMIT_PER_SECOND="1e9", CRM_RATE_LIMIT_BURST="1e12")
    url = env["CRM_DATABASE_URL"]
    if "maxsize=" not in url:  # the ORM's pool as large as the baseline's (10)
        env["CRM_DATABASE_URL"] = url + ("&" if "?" in url else "?") + f"maxsize={POOL_SIZE}"
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.baseline_app:create_bench_app",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    return subprocess.Popen(cmd, env=env)


def wait_ready(port: int) -> None:
    for _ in range(100):
        try:
            if httpx.get(f"http://{HOST}:{port}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start")


def graphql_request(port: int, token: str, first: int, query: str) -> bytes:
    body = orjson.dumps({"query": query, "variables": {"first": first}})
    return build_request(HOST, port, "/graphql", body, {"Authorization": f"Bearer {token}"})


def baseline_request(port: int, slug: str, first: int, coupons: bool) -> bytes:
    return (
        f"GET /baseline/customers?brand={slug}&first={first}&coupons={int(coupons)} HTTP/1.1\r\n"
        f"Host: {HOST}:{port}\r\n\r\n"
    ).encode()


def check_same_data(port: int, token: str, slug: str, coupons: bool) -> None:
    graphql = httpx.post(
        f"http://{HOST}:{port}/graphql",
        json={"query": nested_query(coupons), "variables": {"first": 50}},
        headers={"Authorization": f"Bearer {token}"},
    ).json()
    baseline = httpx.get(
        f"http://{HOST}:{port}/baseline/customers",
        params={"brand": slug, "first": 50, "coupons": int(coupons)},
    ).json()
    graphql.pop("extensions", None)
    if graphql != baseline:
        raise SystemExit("GraphQL and baseline answers differ; the comparison would be unfair")


async def statement_counts(settings: Settings, slug: str, query: str) -> dict[int, int]:
    import logging

    from auth.context import Context, authenticate
    from models.db import close_db, init_db
    from schema import build_schema
    from tests.querycount import count_statements

    await init_db(settings.database_url)
    try:
        schema = build_schema(max_query_cost=10**9)  # page 100 is over the default cost limit
        counts = {}
        token = await demo_token_inner(settings, slug)
        for size in (10, 50, 100):
            context = Context(request=None, settings=settings, request_id="bench")
            await authenticate(context, token)
            with count_statements() as statements:
                result = await schema.execute(query, {"first": size}, context_value=context)
            assert not result.errors, result.errors
            counts[size] = len(statements)
        logging.getLogger("tortoise.db_client").setLevel(logging.WARNING)
        return counts
    finally:
        await close_db()


async def demo_token_inner(settings: Settings, slug: str) -> str:
    from models import App, Brand

    brand = await Brand.get(slug=slug)
    app = await App.get(brand_id=brand.id, name="bench")
    return issue_token(settings, "app", app.id, slug, frozenset({"admin"}), 3600).token


def interleaved(
    first: list[bytes], second: list[bytes], port: int, concurrency: int, seconds: float
) -> tuple[LoadResult, LoadResult]:
    """Alternate two-second rounds of each load, so both see the same machine (others share it)."""
    rounds = max(1, round(seconds / 2))
    results: tuple[list[LoadResult], list[LoadResult]] = ([], [])
    for _ in range(rounds):
        for requests, into in ((first, results[0]), (second, results[1])):
            into.append(asyncio.run(run_load(HOST, port, requests, concurrency, seconds / rounds)))
    return merge(results[0]), merge(results[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brand", default="bench")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--without-coupons", action="store_true", help="leave `coupons` out of both answers"
    )
    args = parser.parse_args()
    coupons = not args.without_coupons
    query = nested_query(coupons)
    settings = Settings.from_env()
    if settings.is_sqlite:
        raise SystemExit("the hand-written baseline uses asyncpg: set CRM_DATABASE_URL=postgres://")
    token = asyncio.run(demo_token(settings, args.brand))
    print(
        "SQL statements per nested read:",
        asyncio.run(statement_counts(settings, args.brand, query)),
    )
    port = free_port()
    server = start_server(port)
    try:
        wait_ready(port)
        check_same_data(port, token, args.brand, coupons)
        graphql = [graphql_request(port, token, 50, query)]
        baseline = [baseline_request(port, args.brand, 50, coupons)]
        for concurrency in (10, 50):
            gql, base = interleaved(graphql, baseline, port, concurrency, args.seconds)
            print(f"concurrency {concurrency}")
            print(f"  graphql   {gql.summary()}")
            print(f"  baseline  {base.summary()}")
            print(f"  ratio graphql/baseline: {gql.rps / base.rps:.2f}x (target >= 0.5x)")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
