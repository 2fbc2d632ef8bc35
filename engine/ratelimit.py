"""Token buckets in cost points per second: Redis-backed across workers, or in-process."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis

from engine.redis_guard import TIMEOUTS, RedisGuard


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: float
    retry_after: float


class RateLimiter(Protocol):
    async def take(self, key: str, cost: float) -> Decision: ...

    async def close(self) -> None: ...


def _refill(tokens: float, last: float, now: float, rate: float, burst: float) -> float:
    return min(burst, tokens + (now - last) * rate)


class InProcessRateLimiter:
    """For a single worker. No await between read and write, so no lock is needed."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}

    async def take(self, key: str, cost: float) -> Decision:
        now = time.monotonic()
        tokens, last = self.buckets.get(key, (self.burst, now))
        tokens = _refill(tokens, last, now, self.rate, self.burst)
        if cost > tokens:
            self.buckets[key] = (tokens, now)
            return Decision(False, tokens, (cost - tokens) / self.rate)
        self.buckets[key] = (tokens - cost, now)
        return Decision(True, tokens - cost, 0.0)

    async def close(self) -> None:
        self.buckets.clear()


# KEYS[1] bucket; ARGV: rate, burst, cost, now (seconds). Atomic in Redis.
_TAKE = """
local rate, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, now = tonumber(ARGV[3]), tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or burst
local ts = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local allowed = 0
if cost <= tokens then tokens = tokens - cost; allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter:
    """Shared by every worker; the bucket lives in Redis and is updated by one Lua script.
    While Redis does not answer, each worker limits on its own (engine.redis_guard)."""

    def __init__(self, url: str, prefix: str, rate: float, burst: float) -> None:
        self.redis: Redis = Redis.from_url(url, **TIMEOUTS)
        self.prefix, self.rate, self.burst = prefix, rate, burst
        self.script = self.redis.register_script(_TAKE)
        self.local = InProcessRateLimiter(rate, burst)
        self.guard = RedisGuard(f"the rate limit ({prefix})")

    async def take(self, key: str, cost: float) -> Decision:
        return await self.guard.call(
            lambda: self._take(key, cost), lambda: self.local.take(key, cost)
        )

    async def _take(self, key: str, cost: float) -> Decision:
        now = time.time()
        allowed, tokens = await self.script(
            keys=[f"{self.prefix}:ratelimit:{key}"], args=[self.rate, self.burst, cost, now]
        )
        remaining = float(tokens)
        if int(allowed) == 1:
            return Decision(True, remaining, 0.0)
        return Decision(False, remaining, (cost - remaining) / self.rate)

    async def close(self) -> None:
        await self.redis.aclose()


def build_rate_limiter(
    redis_url: str | None, prefix: str, rate: float, burst: float
) -> RateLimiter:
    if redis_url:
        return RedisRateLimiter(redis_url, prefix, rate, burst)
    return InProcessRateLimiter(rate, burst)
