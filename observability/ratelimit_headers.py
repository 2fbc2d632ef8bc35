"""`RateLimit-Policy` and `RateLimit` response headers (IETF httpapi draft, structured fields).

The limiter is a token bucket per caller in query-cost points: it holds at most the burst and
refills at the rate per second. The policy is advertised as its quota `q` (the burst) and window
`w` (seconds for an empty bucket to fill again); the state after the request as `r` (points
left) and `t` (seconds until the bucket is full again). Every /graphql response carries the
policy; a response whose operation was charged also carries the state.
"""

from __future__ import annotations

import math

from engine.ratelimit import Decision, RateLimiter
from observability.request_record import RequestRecord, rate_decided

POLICY = "graphql"


class RecordingRateLimiter:
    """A rate limiter that notes each decision on the current request's record."""

    def __init__(self, inner: RateLimiter) -> None:
        self.inner = inner

    async def take(self, key: str, cost: float) -> Decision:
        decision = await self.inner.take(key, cost)
        rate_decided(decision)
        return decision

    async def close(self) -> None:
        await self.inner.close()


class RateLimitHeaders:
    def __init__(self, rate_per_second: float, burst: float) -> None:
        self.rate = rate_per_second
        self.burst = burst
        window = max(1, math.ceil(burst / rate_per_second))
        self.policy = (b"ratelimit-policy", f'"{POLICY}";q={int(burst)};w={window}'.encode())

    def for_record(self, record: RequestRecord) -> list[tuple[bytes, bytes]]:
        decision = record.rate
        if decision is None:
            return [self.policy]
        remaining = max(0.0, decision.remaining)
        reset = max(0, math.ceil((self.burst - remaining) / self.rate))
        state = f'"{POLICY}";r={math.floor(remaining)};t={reset}'.encode()
        return [self.policy, (b"ratelimit", state)]
