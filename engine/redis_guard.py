"""What a Redis-backed helper does when Redis does not answer: it goes on in the process.

Each client uses short socket timeouts (`TIMEOUTS`). After a failure the guard keeps its helper
off Redis for `pause_seconds`, so a paused or unreachable Redis costs one timeout per pause, not
one per request; the helper uses its in-process stand-in meanwhile (rate limits per worker,
persisted queries per worker, broker notices to this worker), and the guard logs the change
both ways.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from redis.exceptions import RedisError

log = logging.getLogger("crm.redis")

# Connecting and each reply: a Redis on the same network answers in a millisecond.
TIMEOUTS: dict[str, Any] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
REDIS_ERRORS = (RedisError, OSError, TimeoutError)
PAUSE_SECONDS = 5.0
T = TypeVar("T")


class RedisGuard:
    def __init__(self, name: str, pause_seconds: float = PAUSE_SECONDS) -> None:
        self.name = name
        self.pause_seconds = pause_seconds
        self._off_until = 0.0
        self._down = False

    @property
    def available(self) -> bool:
        return time.monotonic() >= self._off_until

    def failed(self, exc: BaseException) -> None:
        self._off_until = time.monotonic() + self.pause_seconds
        if not self._down:
            self._down = True
            log.warning(
                "redis unreachable (%s: %s): %s goes on in this process",
                type(exc).__name__,
                exc,
                self.name,
            )

    def succeeded(self) -> None:
        if self._down:
            self._down = False
            log.warning("redis answers again: %s is shared again", self.name)

    async def call(
        self, shared: Callable[[], Awaitable[T]], local: Callable[[], Awaitable[T]]
    ) -> T:
        """`shared()` on Redis, or `local()` when Redis is off or fails now."""
        if self.available:
            try:
                result = await shared()
            except REDIS_ERRORS as exc:
                self.failed(exc)
            else:
                self.succeeded()
                return result
        return await local()
