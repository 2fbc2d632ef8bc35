"""Automatic persisted queries: the query text stored under its SHA-256, per brand."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from typing import Protocol

from redis.asyncio import Redis

from engine.redis_guard import TIMEOUTS, RedisGuard

TTL_SECONDS = 7 * 24 * 3600


def sha256_hex(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


class QueryStore(Protocol):
    async def get(self, scope: str, digest: str) -> str | None: ...

    async def put(self, scope: str, digest: str, query: str) -> None: ...

    async def close(self) -> None: ...


class InProcessQueryStore:
    def __init__(self, max_entries: int = 5000) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def get(self, scope: str, digest: str) -> str | None:
        query = self.entries.get((scope, digest))
        if query is not None:
            self.entries.move_to_end((scope, digest))
        return query

    async def put(self, scope: str, digest: str, query: str) -> None:
        self.entries[(scope, digest)] = query
        self.entries.move_to_end((scope, digest))
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    async def close(self) -> None:
        self.entries.clear()


class RedisQueryStore:
    """Shared by every worker. While Redis does not answer, each worker keeps its own (a hash
    it has not seen is PERSISTED_QUERY_NOT_FOUND, and the client sends the query again)."""

    def __init__(self, url: str, prefix: str) -> None:
        self.redis: Redis = Redis.from_url(url, **TIMEOUTS)
        self.prefix = prefix
        self.local = InProcessQueryStore()
        self.guard = RedisGuard(f"the persisted-query store ({prefix})")

    def _key(self, scope: str, digest: str) -> str:
        return f"{self.prefix}:apq:{scope}:{digest}"

    async def get(self, scope: str, digest: str) -> str | None:
        async def shared() -> str | None:
            raw = await self.redis.get(self._key(scope, digest))
            return raw.decode() if isinstance(raw, bytes) else raw

        return await self.guard.call(shared, lambda: self.local.get(scope, digest))

    async def put(self, scope: str, digest: str, query: str) -> None:
        async def shared() -> None:
            await self.redis.set(self._key(scope, digest), query, ex=TTL_SECONDS)

        await self.guard.call(shared, lambda: self.local.put(scope, digest, query))

    async def close(self) -> None:
        await self.redis.aclose()


def build_query_store(redis_url: str | None, prefix: str) -> QueryStore:
    return RedisQueryStore(redis_url, prefix) if redis_url else InProcessQueryStore()
