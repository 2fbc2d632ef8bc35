"""Client processes for bench/subscriptions.py: many websocket or raw Redis subscribers.

Each process holds its share of the subscribers on one asyncio loop, tells the parent when they
are all subscribed, records the wall-clock time each message arrives, and reports its own CPU
time so the run shows whether the clients were the bottleneck.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import orjson

CONNECT_BATCH = 50  # handshakes in flight at once per process


@dataclass
class ClientSpec:
    kind: str  # "graphql" (graphql-transport-ws) or "redis" (raw SUBSCRIBE)
    targets: list[str]  # ws://host:port/graphql per subscriber, or the Redis URL
    count: int
    expected: int  # messages each subscriber should get
    token: str = ""
    query: str = ""
    variables: dict[str, Any] = field(default_factory=dict)
    channel: str = ""


@dataclass
class ClientReport:
    subscribed: int
    received: list[list[tuple[str, float]]]  # per subscriber: (message id, arrival time)
    cpu_seconds: float
    wall_seconds: float
    errors: list[str]


class _Subscriber:
    def __init__(self) -> None:
        self.messages: list[tuple[str, float]] = []
        self.done = asyncio.Event()


async def _graphql_subscriber(
    spec: ClientSpec, target: str, sub: _Subscriber, ready: asyncio.Event, errors: list[str]
) -> None:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(target, subprotocols=protocols, max_queue=None, open_timeout=60) as ws:
        init = {"type": "connection_init", "payload": {"authorization": f"Bearer {spec.token}"}}
        await ws.send(orjson.dumps(init).decode())
        ack = orjson.loads(await ws.recv())
        if ack.get("type") != "connection_ack":
            raise RuntimeError(f"no ack: {ack}")
        payload = {"query": spec.query, "variables": spec.variables}
        await ws.send(orjson.dumps({"id": "1", "type": "subscribe", "payload": payload}).decode())
        ready.set()
        async for raw in ws:
            arrived = time.time()
            message = orjson.loads(raw)
            if message.get("type") == "next":
                data = message["payload"].get("data") or {}
                event = next(iter(data.values()), None) or {}
                sub.messages.append((str(event.get("id")), arrived))
                if len(sub.messages) >= spec.expected:
                    sub.done.set()
            elif message.get("type") in ("error", "complete"):
                errors.append(str(message)[:300])
                sub.done.set()
                return


async def _redis_subscriber(
    spec: ClientSpec, sub: _Subscriber, ready: asyncio.Event, client: Any
) -> None:
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(spec.channel)
    ready.set()
    try:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is None:
                continue
            arrived = time.time()
            sub.messages.append((message["data"].decode(), arrived))
            if len(sub.messages) >= spec.expected:
                sub.done.set()
    finally:
        await pubsub.aclose()


async def _run(spec: ClientSpec, pipe: Connection) -> ClientReport:
    loop = asyncio.get_running_loop()
    subs = [_Subscriber() for _ in range(spec.count)]
    errors: list[str] = []
    tasks: list[asyncio.Task[None]] = []
    clients: list[Any] = []
    for start in range(0, spec.count, CONNECT_BATCH):
        readies = []
        for i in range(start, min(start + CONNECT_BATCH, spec.count)):
            ready = asyncio.Event()
            readies.append(ready)
            if spec.kind == "graphql":
                coro = _graphql_subscriber(spec, spec.targets[i], subs[i], ready, errors)
            else:
                from redis.asyncio import Redis

                client = Redis.from_url(spec.targets[0])
                clients.append(client)
                coro = _redis_subscriber(spec, subs[i], ready, client)
            tasks.append(asyncio.create_task(coro))
        waiting = [asyncio.create_task(r.wait()) for r in readies]
        _, pending = await asyncio.wait(waiting, timeout=60)
        for late in pending:
            late.cancel()
    await asyncio.sleep(0.5)  # the last SUBSCRIBE/subscribe messages reach the server
    subscribed = sum(1 for t in tasks if not t.done())
    for task in tasks:
        if task.done() and task.exception() is not None:
            errors.append(repr(task.exception())[:300])
    pipe.send(("ready", subscribed))
    await loop.run_in_executor(None, pipe.recv)  # "go": the parent starts triggering
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await loop.run_in_executor(None, pipe.recv)  # "stop": the parent triggered everything
    await asyncio.wait([asyncio.create_task(s.done.wait()) for s in subs], timeout=15)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    for subscriber in tasks:
        subscriber.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    return ClientReport(subscribed, [s.messages for s in subs], cpu, wall, errors)


def client_process(spec: ClientSpec, pipe: Connection) -> None:
    """Entry point of a client process (multiprocessing, spawn)."""
    try:
        import uvloop

        report = uvloop.run(_run(spec, pipe))
    except Exception as exc:  # the parent reports it
        report = ClientReport(0, [], 0.0, 0.0, [f"client failed: {exc!r}"])
        pipe.send(("ready", 0))
    pipe.send(("report", report))
