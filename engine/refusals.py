"""Callers whose documents keep being refused by a limit are refused before parsing.

A refusal is cheap (the checks are linear) but not free: parsing a fresh document, or reading
60,000 tags, costs milliseconds, and refusals cost no rate points (nothing was executed), so a
caller sending them back to back kept a worker busy. Each refusal by a limit (tokens, depth,
aliases, fields, validation budget, list length, cost) takes one from the caller's bucket here
(per process, in memory: no round trip); with the bucket empty the caller's next requests are
answered RATE_LIMITED with `retryAfter` (HTTP 429) before their documents are even parsed.
Over a websocket the same bucket counts the refusals of `subscribe` messages, and a held-back
caller's `subscribe` is answered at once with an `error` message for its id (`refused_stream`).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

from graphql import GraphQLError
from strawberry.types.execution import PreExecutionError
from strawberry.utils.aio import aclosing

LIMIT_CODES = frozenset(
    {"TOO_MANY_TOKENS", "QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "QUERY_TOO_COMPLEX", "LIST_TOO_LONG"}
)
BURST = 30  # refusals in a row before a caller is held back
PER_SECOND = 1.0  # refusals a caller earns back a second
CALLERS = 10_000  # buckets kept (the least recently refused go first)


class RefusalThrottle:
    def __init__(self, burst: float = BURST, per_second: float = PER_SECOND) -> None:
        self.burst, self.per_second = burst, per_second
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def _tokens(self, key: str, now: float) -> float:
        tokens, last = self.buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - last) * self.per_second)

    def held_back(self, key: str) -> GraphQLError | None:
        """The refusal for a caller whose bucket is empty, else None."""
        if key not in self.buckets:
            return None
        tokens = self._tokens(key, time.monotonic())
        if tokens >= 1:
            return None
        retry_after = max(1, math.ceil((1 - tokens) / self.per_second))
        return GraphQLError(
            f"too many refused documents; retry in {retry_after} s",
            extensions={"code": "RATE_LIMITED", "retryAfter": retry_after},
        )

    def note(self, key: str, errors: list[GraphQLError] | None) -> None:
        """Takes one from the caller's bucket when the answer was a refusal by a limit."""
        if not errors or not any((e.extensions or {}).get("code") in LIMIT_CODES for e in errors):
            return
        now = time.monotonic()
        self.buckets[key] = (max(0.0, self._tokens(key, now) - 1), now)
        self.buckets.move_to_end(key)
        while len(self.buckets) > CALLERS:
            self.buckets.popitem(last=False)


async def refused_stream(error: GraphQLError) -> AsyncGenerator[Any, None]:
    """The stream of a held-back caller's operation: its refusal, before anything is parsed."""
    yield PreExecutionError(data=None, errors=[error])


async def noted_stream(
    results: AsyncIterator[Any], throttle: RefusalThrottle, caller: str
) -> AsyncGenerator[Any, None]:
    """`results` as they come; the first (where a refusal by a limit would be) is noted."""
    first = True
    async with aclosing(results):
        async for result in results:
            if first:
                first = False
                throttle.note(caller, getattr(result, "errors", None))
            yield result
