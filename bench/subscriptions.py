"""Benchmark 4: subscription fan-out against a raw Redis publish/subscribe round trip.

    CRM_DATABASE_URL=postgres://... CRM_REDIS_URL=redis://... python -m bench.subscriptions

1. One uvicorn worker, N websocket subscribers (graphql-transport-ws) watching one customer;
   `updateCustomer` mutations on that customer; latency from commit (the mutation's response)
   to receipt at each subscriber, p50/p99, every message accounted for. Memory per idle
   subscriber from the worker's RSS before and after they connect.
2. Two uvicorn workers sharing Redis, subscribers split between them, mutations sent to the
   first: the same figures across workers.
3. The baseline, in the same run: N raw redis.asyncio subscribers on one channel, a publisher
   stamping each message; latency from PUBLISH to receipt.
Subscribers live in several client processes, each reporting its own CPU share.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx
import orjson

from bench.fanout_clients import ClientReport, ClientSpec, client_process
from bench.nested_read import HOST, demo_token, free_port, wait_ready
from config import Settings

SUBSCRIPTION = """subscription($customerId: ID!) {
  events(types: ["customer.updated"], customerId: $customerId) {
    id type occurredAt customerId ... on CustomerUpdated { fields } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) {
  updateCustomer(input: $input) { customer { id } errors { code message } } }"""
CREATE = """mutation($input: CreateCustomerInput!) {
  createCustomer(input: $input) { customer { id } errors { code message } } }"""


@dataclass
class FanoutResult:
    label: str
    subscribers: int
    latencies_ms: list[float]
    missing: int
    duplicates: int
    client_cpu_percent: float
    server_cpu_percent: float
    errors: list[str]

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def summary(self) -> str:
        return (
            f"{self.label:<28} subscribers {self.subscribers:5d}  "
            f"p50 {self.percentile(50):7.1f} ms  p99 {self.percentile(99):7.1f} ms  "
            f"max {self.percentile(100):7.1f} ms  lost {self.missing}  dup {self.duplicates}  "
            f"client cpu {self.client_cpu_percent:3.0f}%  "
            f"server cpu {self.server_cpu_percent:3.0f}%"
        )


def start_worker(
    port: int, redis_url: str | None, prefix: str, deflate: bool
) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        CRM_RATE_LIMIT_PER_SECOND="1e9",
        CRM_RATE_LIMIT_BURST="1e12",
        CRM_REDIS_PREFIX=prefix,
    )
    env.pop("CRM_REDIS_URL", None)
    if redis_url:
        env["CRM_REDIS_URL"] = redis_url
    cmd = [sys.executable, "-m", "uvicorn", "server:create_app", "--factory", "--host", HOST]
    cmd += ["--port", str(port), "--log-level", "warning", "--no-access-log"]
    cmd += ["--ws-per-message-deflate", "true" if deflate else "false"]
    return subprocess.Popen(cmd, env=env)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def gql(base: str, token: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"http://{base}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise SystemExit(f"GraphQL error: {body['errors']}")
    return body["data"]


class Clients:
    """Client processes holding the subscribers; `start` returns once all are subscribed."""

    def __init__(self, specs: list[ClientSpec]) -> None:
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        for spec in specs:
            parent, child = context.Pipe()
            process = context.Process(target=client_process, args=(spec, child), daemon=True)
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    def wait_subscribed(self) -> int:
        return sum(int(pipe.recv()[1]) for pipe in self.pipes)

    def go(self) -> None:
        for pipe in self.pipes:
            pipe.send("go")

    def stop(self) -> list[ClientReport]:
        for pipe in self.pipes:
            pipe.send("stop")
        reports = []
        for pipe in self.pipes:
            while True:
                kind, value = pipe.recv()
                if kind == "report":
                    reports.append(value)
                    break
        for process in self.processes:
            process.join(timeout=10)
        return reports


def split(count: int, parts: int) -> list[int]:
    return [count // parts + (1 if i < count % parts else 0) for i in range(parts)]


def account(
    label: str,
    reports: list[ClientReport],
    sent_at: dict[str, float],
    server_cpu: float,
    wall: float,
) -> FanoutResult:
    """Latency of every (subscriber, message); a message a subscriber never got is lost."""
    latencies, missing, duplicates, errors = [], 0, 0, []
    for report in reports:
        errors += report.errors
        for messages in report.received:
            seen = [message_id for message_id, _ in messages]
            duplicates += len(seen) - len(set(seen))
            missing += len(set(sent_at) - set(seen))
            latencies += [(arrived - sent_at[m]) * 1000 for m, arrived in messages if m in sent_at]
    subscribers = sum(report.subscribed for report in reports)
    cpu = sum(r.cpu_seconds for r in reports)
    client_wall = max((r.wall_seconds for r in reports), default=1.0) or 1.0
    return FanoutResult(
        label,
        subscribers,
        latencies,
        missing,
        duplicates,
        100 * cpu / client_wall,
        100 * server_cpu / wall,
        errors[:5],
    )


def graphql_fanout(
    label: str,
    bases: list[str],
    server_pids: list[int],
    token: str,
    customer_id: str,
    args: argparse.Namespace,
    measure_memory: bool,
) -> tuple[FanoutResult, float | None]:
    targets = [f"ws://{bases[i % len(bases)]}/graphql" for i in range(args.subscribers)]
    specs, offset = [], 0
    for share in split(args.subscribers, args.client_processes):
        specs.append(
            ClientSpec(
                kind="graphql",
                targets=targets[offset : offset + share],
                count=share,
                expected=args.events,
                token=token,
                query=SUBSCRIPTION,
                variables={"customerId": customer_id},
            )
        )
        offset += share
    rss_before = rss_kib(server_pids[0])
    clients = Clients(specs)
    subscribed = clients.wait_subscribed()
    per_subscriber_kib = None
    if measure_memory:
        time.sleep(2.0)  # idle: let the subscriptions settle in their live wait
        per_subscriber_kib = (rss_kib(server_pids[0]) - rss_before) / max(subscribed, 1)
    clients.go()
    cpu0, wall0 = sum(cpu_seconds(p) for p in server_pids), time.perf_counter()
    commits: list[float] = []
    for i in range(args.events):
        gql(bases[0], token, UPDATE, {"input": {"id": customer_id, "city": f"City {i}"}})
        commits.append(time.time())
        time.sleep(args.gap)
    reports = clients.stop()
    wall = time.perf_counter() - wall0
    server_cpu = sum(cpu_seconds(p) for p in server_pids) - cpu0
    # Events arrive in id order; the k-th id any subscriber saw belongs to the k-th mutation.
    ids = sorted({m for r in reports for msgs in r.received for m, _ in msgs}, key=int)
    sent_at = dict(zip(ids, commits, strict=False))
    result = account(label, reports, sent_at, server_cpu, wall)
    result.missing += (len(commits) - len(ids)) * result.subscribers  # ids nobody got
    return result, per_subscriber_kib


async def _publish(redis_url: str, channel: str, count: int, gap: float) -> dict[str, float]:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    sent_at: dict[str, float] = {}
    try:
        for i in range(count):
            sent_at[str(i)] = time.time()
            await client.publish(channel, str(i))
            await asyncio.sleep(gap)
    finally:
        await client.aclose()
    return sent_at


def redis_fanout(redis_url: str, args: argparse.Namespace) -> FanoutResult:
    channel = f"crm-bench:{uuid.uuid4().hex[:8]}"
    specs = [
        ClientSpec(
            kind="redis", targets=[redis_url], count=share, expected=args.events, channel=channel
        )
        for share in split(args.subscribers, args.client_processes)
    ]
    clients = Clients(specs)
    clients.wait_subscribed()
    clients.go()
    wall0 = time.perf_counter()
    sent_at = asyncio.run(_publish(redis_url, channel, args.events, args.gap))
    reports = clients.stop()
    return account("raw redis pub/sub", reports, sent_at, 0.0, time.perf_counter() - wall0)


def setup(settings: Settings, base: str, slug: str) -> tuple[str, str]:
    token = asyncio.run(demo_token(settings, slug))
    suffix = uuid.uuid4().hex[:8]
    created = gql(
        base, token, CREATE, {"input": {"name": f"Fan-out {suffix}", "email": f"{suffix}@x.io"}}
    )["createCustomer"]
    if created["errors"]:
        raise SystemExit(f"could not create the watched customer: {created['errors']}")
    return token, created["customer"]["id"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--brand", default="bench")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--gap", type=float, default=0.3, help="seconds between events")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--no-deflate", action="store_true", help="serve without permessage-deflate"
    )
    args = parser.parse_args()
    settings = Settings.from_env()
    redis_url = settings.redis_url or os.environ.get("CRM_BENCH_REDIS_URL")
    if not redis_url:
        raise SystemExit("set CRM_REDIS_URL (the two-worker run and the baseline need Redis)")
    prefix = f"crm-bench-{uuid.uuid4().hex[:8]}"
    results: list[FanoutResult] = []
    ports = [free_port(), free_port()]
    single = start_worker(ports[0], None, prefix, not args.no_deflate)
    try:
        wait_ready(ports[0])
        base = f"{HOST}:{ports[0]}"
        token, customer_id = setup(settings, base, args.brand)
        result, kib = graphql_fanout(
            "graphql, 1 worker", [base], [single.pid], token, customer_id, args, True
        )
        results.append(result)
    finally:
        single.terminate()
        single.wait(timeout=10)
    results.append(redis_fanout(redis_url, args))
    workers = [start_worker(port, redis_url, prefix, not args.no_deflate) for port in ports]
    try:
        for port in ports:
            wait_ready(port)
        bases = [f"{HOST}:{port}" for port in ports]
        result, _ = graphql_fanout(
            "graphql, 2 workers + redis",
            bases,
            [w.pid for w in workers],
            token,
            customer_id,
            args,
            False,
        )
        results.append(result)
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
    print(
        f"{args.subscribers} subscribers, {args.events} events {args.gap}s apart, "
        f"{args.client_processes} client processes, permessage-deflate {not args.no_deflate}"
    )
    for result in results:
        print(result.summary())
        for error in result.errors:
            print("   error:", error)
    redis_p50 = results[1].percentile(50)
    for result in (results[0], results[2]):
        print(
            f"  {result.label}: p50 {result.percentile(50) / redis_p50:.1f}x raw redis, "
            f"p99 {result.percentile(99) / results[1].percentile(99):.1f}x"
        )
    if kib is not None:
        print(f"memory per idle subscriber (worker RSS): {kib:.1f} KiB")
    print("json:", orjson.dumps([[r.label, r.percentile(50), r.percentile(99)] for r in results]))


if __name__ == "__main__":
    main()
