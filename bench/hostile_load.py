"""A cheap query's latency while another app abuses the same worker (issue 25).

    CRM_DATABASE_URL=postgres://... python -m bench.hostile_load [--seconds 30] [--customers 2000]

Seeds a brand (customers with tags), starts one uvicorn worker with the rate limit out of the way
(only the refusal throttle holds the abuser back; `--rate-limited` keeps the server's rate limit),
then measures one app's cheap query (a page of one customer's name, one request at a time) for
`--seconds` on the idle server, and again for `--seconds` while another app sends abusive requests
from `--abusers` concurrent loops in a process of their own, so the measuring client's event
loop serves the cheap query alone (not pausing on a 429): fragment bombs with fresh fragment names
(30 and 60 levels), customer filters with 300 tags and with 60,000 tags, and wrong passwords to the
`login` mutation. Prints the cheap query's p50 and p99 in both phases and their ratios, what the
abusive requests got, and the worker's resident memory before and after (target: p99 under abuse
within 3x idle, RSS within 20 %; docs/performance.md).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
from tortoise import Tortoise

from auth.tokens import issue_token
from config import Settings
from models.db import close_db, init_db, run_migrations

HOST = "127.0.0.1"
SLUG = "hostile"
STAFF_EMAIL = "owner@hostile.example"
CHEAP = "{ customers(first: 1) { edges { node { name } } } }"  # cost 4
BY_TAGS = "query($tags: [String!]) { customers(filter: {tags: $tags}) { totalCount } }"
LOGIN = """mutation($input: LoginInput!) { login(input: $input) { token errors { code } } }"""


def bomb(levels: int, tag: str) -> str:
    parts = ["{ ...F0 }"]
    parts += [f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment F{levels} on Query {{ viewer {{ kind }} }}")
    return " ".join(parts).replace("F", f"X{tag}x")  # fresh names: no cache helps


async def prepare(settings: Settings, customers: int) -> tuple[str, str]:
    """The brand with its customers (each with a few tags), a staff owner for the login
    attempts, and two apps' tokens."""
    from models import Brand, Customer, CustomerTag
    from services.brands import brands

    await run_migrations(settings.database_url)
    await init_db(settings.database_url)
    try:
        old = await Brand.get_or_none(slug=SLUG)
        if old is not None:
            await old.delete()
        brand = await brands.create_brand(SLUG, "Hostile")
        await Customer.bulk_create(
            [Customer(brand_id=brand.id, name=f"Customer {i}") for i in range(customers)],
            batch_size=1000,
        )
        ids = [int(row["id"]) for row in await Customer.filter(brand_id=brand.id).values("id")]
        await CustomerTag.bulk_create(
            [
                CustomerTag(brand_id=brand.id, customer_id=cid, tag=f"tag{(cid + k) % 50}")
                for cid in ids
                for k in range(3)
            ],
            batch_size=1000,
        )
        if not settings.is_sqlite:  # the planner's statistics, as autovacuum would gather
            await Tortoise.get_connection("default").execute_script(
                "ANALYZE customers; ANALYZE customer_tags;"
            )
        await brands.create_staff_user(brand, STAFF_EMAIL, "correct horse battery", "OWNER")
        tokens = []
        for name in ("cheap", "abuser"):
            app = (await brands.create_app(brand, name, ["admin"])).app
            scopes = frozenset({"admin"})
            tokens.append(issue_token(settings, "app", app.id, SLUG, scopes, 7200).token)
        return tokens[0], tokens[1]
    finally:
        await close_db()


def start_server(port: int, rate_limited: bool) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "uvicorn", "server:create_app", "--factory"]
    cmd += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    env = dict(os.environ)
    if not rate_limited:
        env.update(CRM_RATE_LIMIT_PER_SECOND="1e9", CRM_RATE_LIMIT_BURST="1e12")
    return subprocess.Popen(cmd, env=env)


def wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit("server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def cheap_latencies(client: httpx.AsyncClient, token: str, seconds: float) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    took: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        response = await client.post("/graphql", json={"query": CHEAP}, headers=headers)
        took.append(time.perf_counter() - started)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
    return took


KINDS = ("bombs", "tags", "passwords")


def abusive_requests(
    kinds: list[str], token: str
) -> list[tuple[str, Callable[[int], bytes], bool]]:
    """(kind, the body of the n-th such request, whether it carries the abuser's token). Bodies
    that do not change are encoded once: the client's own CPU is not what is measured."""
    wrong = {"brand": SLUG, "email": STAFF_EMAIL, "password": "wrong password"}
    few = orjson.dumps({"query": BY_TAGS, "variables": {"tags": tags(300)}})
    many = orjson.dumps({"query": BY_TAGS, "variables": {"tags": tags(60_000)}})
    login = orjson.dumps({"query": LOGIN, "variables": {"input": wrong}})
    chosen: list[tuple[str, Callable[[int], bytes], bool]] = []
    if "bombs" in kinds:
        chosen.append(("bomb 30", lambda n: orjson.dumps({"query": bomb(30, str(n))}), False))
        chosen.append(("bomb 60", lambda n: orjson.dumps({"query": bomb(60, str(n))}), False))
    if "tags" in kinds:
        chosen.append(("300 tags", lambda n: few, True))
        chosen.append(("60,000 tags", lambda n: many, True))
    if "passwords" in kinds:
        chosen.append(("wrong password", lambda n: login, False))
    return chosen


async def abuse(
    client: httpx.AsyncClient,
    requests: list[tuple[str, Callable[[int], bytes], bool]],
    token: str,
    until: float,
    seen: Counter[str],
    spent: dict[str, float],
) -> None:
    authorised = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    anonymous = {"Content-Type": "application/json"}
    for number, (kind, body, with_token) in enumerate(itertools.cycle(requests)):
        if time.perf_counter() >= until:
            return
        started = time.perf_counter()
        headers = authorised if with_token else anonymous
        try:
            response = await client.post("/graphql", content=body(number), headers=headers)
            errors = response.json().get("errors") or []
            code = errors[0].get("extensions", {}).get("code") if errors else "answered"
            outcome = f"{kind}: {response.status_code} {code}"
        except httpx.HTTPError as exc:
            outcome = f"{kind}: {type(exc).__name__}"
        seen[outcome] += 1
        spent[outcome] = spent.get(outcome, 0.0) + time.perf_counter() - started


def tags(count: int) -> list[str]:
    return [f"tag{i}" for i in range(count)]


def percentiles(took: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(took, n=100)
    return cuts[49] * 1000, cuts[98] * 1000


async def abuse_for(
    base: str, abuser: str, seconds: float, abusers: int, kinds: list[str]
) -> tuple[Counter[str], dict[str, float]]:
    requests = abusive_requests(kinds, abuser)
    limits = httpx.Limits(max_connections=abusers + 2)
    seen: Counter[str] = Counter()
    spent: dict[str, float] = {}  # seconds the abusive requests took, by outcome
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as loud:
        until = time.perf_counter() + seconds
        await asyncio.gather(
            *(abuse(loud, requests, abuser, until, seen, spent) for _ in range(abusers))
        )
    return seen, spent


def abuser_process(
    base: str, abuser: str, seconds: float, abusers: int, kinds: list[str], results: Any
) -> None:
    results.put(asyncio.run(abuse_for(base, abuser, seconds, abusers, kinds)))


async def measure(
    base: str, cheap: str, abuser: str, seconds: float, abusers: int, kinds: list[str]
) -> None:
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    async with httpx.AsyncClient(base_url=base, timeout=120) as quiet:
        await cheap_latencies(quiet, cheap, 2)  # warm up
        idle = await cheap_latencies(quiet, cheap, seconds)
        loud = spawn.Process(
            target=abuser_process, args=(base, abuser, seconds, abusers, kinds, results)
        )
        loud.start()
        await asyncio.sleep(1)  # the abuser's interpreter starts and gets going
        loaded = await cheap_latencies(quiet, cheap, seconds - 1)
        seen, spent = await asyncio.to_thread(results.get)
        loud.join()
    (idle_p50, idle_p99), (load_p50, load_p99) = percentiles(idle), percentiles(loaded)
    print(
        f"cheap query idle:        {len(idle):6d} requests  p50 {idle_p50:7.1f} ms"
        f"  p99 {idle_p99:7.1f} ms"
    )
    print(
        f"cheap query under abuse: {len(loaded):6d} requests  p50 {load_p50:7.1f} ms"
        f"  p99 {load_p99:7.1f} ms"
    )
    print(
        f"ratios under abuse / idle: p50 {load_p50 / idle_p50:.2f}x  p99 {load_p99 / idle_p99:.2f}x"
    )
    print("abusive requests (count, mean seconds each, kind: status code):")
    for key, count in sorted(seen.items()):
        print(f"  {count:6d}  {spent[key] / count:6.2f} s  {key}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30.0, help="each phase's length")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--abusers", type=int, default=4, help="concurrent abusive loops")
    parser.add_argument(
        "--rate-limited",
        action="store_true",
        help="keep the server's rate limit (CRM_RATE_LIMIT_*; default: out of the way)",
    )
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help=f"abusive requests to send, of {', '.join(KINDS)}"
    )
    args = parser.parse_args()
    settings = Settings.from_env()
    cheap, abuser = asyncio.run(prepare(settings, args.customers))
    port = free_port()
    base = f"http://{HOST}:{port}"
    server = start_server(port, args.rate_limited)
    try:
        wait_ready(base)
        asyncio.run(warm(base, cheap))
        before = rss_mb(server.pid)
        kinds = args.kinds.split(",")
        limit = "rate limited" if args.rate_limited else "no rate limit"
        print(
            f"abuse: {', '.join(kinds)} from {args.abusers} loops, {args.seconds:.0f} s a phase,"
            f" {limit}"
        )
        asyncio.run(measure(base, cheap, abuser, args.seconds, args.abusers, kinds))
        after = rss_mb(server.pid)
        print(
            f"worker RSS: {before:.0f} MB before, {after:.0f} MB after"
            f" ({(after - before) / before * 100:+.1f} %)"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


async def warm(base: str, token: str) -> None:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await cheap_latencies(client, token, 1)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
