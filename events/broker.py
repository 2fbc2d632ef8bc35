"""Brokers fan events out to subscribers: in-process by default, Redis pub/sub across workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import orjson

from engine.redis_guard import REDIS_ERRORS, TIMEOUTS, RedisGuard
from events.outbox import Event

log = logging.getLogger("crm.events")

QUEUE_SIZE = 1000
# A notice to every worker (auth.live_connections.Revocation as JSON: close these websockets).
NoticeListener = Callable[[dict[str, Any]], Awaitable[object]]


class Subscription:
    """A subscriber's queue of one brand's events; `lagged` when it overflowed."""

    def __init__(self, brand_id: int) -> None:
        self.brand_id = brand_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=QUEUE_SIZE)
        self.lagged = False

    def put(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.lagged = True  # the subscriber re-reads the outbox to catch up

    async def get(self, timeout: float) -> Event | None:
        # No wait_for: on Python 3.11 it wraps every get in a new task, i.e. one task per
        # event per subscriber when fanning out.
        if not self.queue.empty():
            return self.queue.get_nowait()
        try:
            async with asyncio.timeout(timeout):
                return await self.queue.get()
        except TimeoutError:
            return None


class Broker:
    """In-process broker: events published in this process reach this process's subscribers."""

    def __init__(self) -> None:
        self._subscriptions: dict[int, set[Subscription]] = {}
        self.notice_listener: NoticeListener | None = None

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, event: Event) -> None:
        self.deliver_local(event)

    async def publish_notice(self, notice: dict[str, Any]) -> None:
        """Tell every worker's notice listener (here: this worker's)."""
        await self.deliver_notice(notice)

    async def deliver_notice(self, notice: dict[str, Any]) -> None:
        if self.notice_listener is None:
            return
        try:
            await self.notice_listener(notice)
        except Exception:  # one bad notice must not stop the reader
            log.exception("a broker notice failed")

    def deliver_local(self, event: Event) -> None:
        for subscription in list(self._subscriptions.get(event.brand_id, ())):
            subscription.put(event)

    @asynccontextmanager
    async def subscribe(self, brand_id: int) -> AsyncIterator[Subscription]:
        subscription = Subscription(brand_id)
        self._subscriptions.setdefault(brand_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            subscribers = self._subscriptions.get(brand_id, set())
            subscribers.discard(subscription)
            if not subscribers:
                self._subscriptions.pop(brand_id, None)


class RedisBroker(Broker):
    """Publishes to `{prefix}:events:{brand_id}`; one pattern subscription per process."""

    def __init__(self, url: str, prefix: str) -> None:
        super().__init__()
        from redis.asyncio import Redis

        self.prefix = prefix
        self._redis: Any = Redis.from_url(url, **TIMEOUTS)
        self.guard = RedisGuard(f"the event broker ({prefix})")
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None

    def channel(self, brand_id: int) -> str:
        return f"{self.prefix}:events:{brand_id}"

    @property
    def notices_channel(self) -> str:
        return f"{self.prefix}:notices"

    async def start(self) -> None:
        """Subscribes now, or (Redis away: the server starts all the same) in the reader."""
        try:
            await self._subscribe()
        except REDIS_ERRORS as exc:
            self.guard.failed(exc)
        self._reader = asyncio.create_task(self._read(), name="crm-redis-broker")

    async def _subscribe(self) -> None:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(f"{self.prefix}:events:*")
            await pubsub.subscribe(self.notices_channel)
        except BaseException:
            with contextlib.suppress(Exception):
                await pubsub.aclose()
            raise
        self._pubsub = pubsub

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._reader
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
        await self._redis.aclose()

    async def publish(self, event: Event) -> None:
        """With Redis away, to this worker's subscribers; the others' subscriptions re-read the
        outbox within CRM_EVENTS_RECHECK_SECONDS, and webhooks do not depend on Redis."""

        async def shared() -> None:
            await self._redis.publish(self.channel(event.brand_id), orjson.dumps(event.to_json()))

        async def local() -> None:
            self.deliver_local(event)

        await self.guard.call(shared, local)

    async def publish_notice(self, notice: dict[str, Any]) -> None:
        """To every worker through Redis; with Redis away, to this worker only (the others'
        periodic re-checks catch up, see auth.live_connections)."""

        async def shared() -> None:
            await self._redis.publish(self.notices_channel, orjson.dumps(notice))

        await self.guard.call(shared, lambda: self.deliver_notice(notice))

    async def _read(self) -> None:
        while True:
            try:
                if self._pubsub is None:
                    await self._subscribe()
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # connection lost: subscribers catch up from the outbox
                self.guard.failed(exc)
                lost, self._pubsub = self._pubsub, None
                if lost is not None:
                    with contextlib.suppress(Exception):
                        await lost.aclose()
                await asyncio.sleep(1.0)
                continue
            if message is None:
                continue
            if message.get("type") == "message":
                with contextlib.suppress(ValueError, TypeError):
                    notice = orjson.loads(message["data"])
                    if isinstance(notice, dict):
                        await self.deliver_notice(notice)
                continue
            if message.get("type") != "pmessage":
                continue
            try:
                event = Event.from_json(orjson.loads(message["data"]))
            except (ValueError, KeyError, TypeError):
                log.warning("dropped a malformed event message")
                continue
            self.deliver_local(event)


def make_broker(redis_url: str | None, prefix: str) -> Broker:
    return RedisBroker(redis_url, prefix) if redis_url else Broker()
