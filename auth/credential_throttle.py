"""Throttles guessing of staff passwords (`login`) and client secrets (`/auth/token`).

Failures are counted in fixed windows under three keys, and an attempt is refused
(`RATE_LIMITED`, Retry-After) before its secret is checked when

- its (account, client address) pair failed `pair_failures` times in the window: the guesser
  is stopped, the same account from any other address is not;
- its client address failed `address_failures` times, whatever the accounts: one address
  cannot spray passwords over many accounts;
- its account failed `account_failures` times from all addresses together: then the account
  takes one attempt per `account_spacing_seconds`, a slow-down rather than a lock-out, so
  that an attacker cannot lock a real user out; refused attempts do not take the slot.

A success clears its pair's count. Counters live in Redis when configured (shared by the
workers), in the process otherwise, and in the process while Redis is unreachable
(engine.redis_guard, logged).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Protocol

from redis.asyncio import Redis
from starlette.requests import HTTPConnection

from engine.redis_guard import TIMEOUTS, RedisGuard


@dataclass(frozen=True)
class ThrottleRules:
    pair_failures: int = 5
    address_failures: int = 30
    account_failures: int = 20
    window_seconds: int = 900
    account_spacing_seconds: float = 2.0


class CounterStore(Protocol):
    async def count(self, keys: list[str]) -> list[tuple[int, float]]:
        """(failures, seconds until the window ends) per key."""
        ...

    async def add_failure(self, keys: list[str], window: int) -> None: ...

    async def clear(self, key: str) -> None: ...

    async def take_slot(self, key: str, spacing: float) -> float:
        """0 when the slot was free (and is now taken), else seconds until it frees."""
        ...

    async def close(self) -> None: ...


class LocalCounters:
    MAX_KEYS = 100_000  # past it, expired windows are dropped (and all, if none has expired)

    def __init__(self) -> None:
        self.windows: dict[str, tuple[int, float]] = {}  # key -> (failures, window end)
        self.slots: dict[str, float] = {}  # key -> when the slot frees

    async def count(self, keys: list[str]) -> list[tuple[int, float]]:
        now = time.monotonic()
        found = []
        for key in keys:
            failures, ends = self.windows.get(key, (0, now))
            found.append((failures, ends - now) if ends > now else (0, 0.0))
        return found

    async def add_failure(self, keys: list[str], window: int) -> None:
        now = time.monotonic()
        if len(self.windows) >= self.MAX_KEYS:
            self.windows = {k: v for k, v in self.windows.items() if v[1] > now}
            if len(self.windows) >= self.MAX_KEYS:
                self.windows.clear()
        for key in keys:
            failures, ends = self.windows.get(key, (0, now))
            self.windows[key] = (failures + 1, ends) if ends > now else (1, now + window)

    async def clear(self, key: str) -> None:
        self.windows.pop(key, None)

    async def take_slot(self, key: str, spacing: float) -> float:
        now = time.monotonic()
        frees = self.slots.get(key, 0.0)
        if frees > now:
            return frees - now
        if len(self.slots) >= self.MAX_KEYS:
            self.slots = {k: v for k, v in self.slots.items() if v > now}
        self.slots[key] = now + spacing
        return 0.0

    async def close(self) -> None:
        self.windows.clear()
        self.slots.clear()


class RedisCounters:
    """Shared by every worker; the process's own counters while Redis does not answer."""

    def __init__(self, url: str, prefix: str) -> None:
        self.redis: Redis = Redis.from_url(url, **TIMEOUTS)
        self.prefix = prefix
        self.local = LocalCounters()
        self.guard = RedisGuard(f"the credential throttle ({prefix})")

    def _key(self, key: str) -> str:
        return f"{self.prefix}:credentials:{key}"

    async def count(self, keys: list[str]) -> list[tuple[int, float]]:
        async def shared() -> list[tuple[int, float]]:
            async with self.redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.get(self._key(key))
                    pipe.pttl(self._key(key))
                replies = await pipe.execute()
            found = []
            for raw, ttl in zip(replies[::2], replies[1::2], strict=True):
                failures = int(raw) if raw is not None else 0
                found.append((failures, max(float(ttl), 0.0) / 1000 if failures else 0.0))
            return found

        return await self.guard.call(shared, lambda: self.local.count(keys))

    async def add_failure(self, keys: list[str], window: int) -> None:
        async def shared() -> None:
            async with self.redis.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.incr(self._key(key))
                    pipe.expire(self._key(key), window, nx=True)
                await pipe.execute()

        await self.guard.call(shared, lambda: self.local.add_failure(keys, window))

    async def clear(self, key: str) -> None:
        async def shared() -> None:
            await self.redis.delete(self._key(key))

        await self.guard.call(shared, lambda: self.local.clear(key))

    async def take_slot(self, key: str, spacing: float) -> float:
        slot = self._key(f"slot:{key}")

        async def shared() -> float:
            if await self.redis.set(slot, 1, px=max(int(spacing * 1000), 1), nx=True):
                return 0.0
            return max(float(await self.redis.pttl(slot)), 1.0) / 1000

        return await self.guard.call(shared, lambda: self.local.take_slot(key, spacing))

    async def close(self) -> None:
        await self.redis.aclose()


class CredentialThrottle:
    def __init__(self, store: CounterStore, rules: ThrottleRules | None = None) -> None:
        self.store = store
        self.rules = rules or ThrottleRules()

    @staticmethod
    def _keys(kind: str, account: str, address: str) -> tuple[str, str, str]:
        return (f"{kind}:pair:{account}:{address}", f"addr:{address}", f"{kind}:acct:{account}")

    async def retry_after(self, kind: str, account: str, address: str) -> int | None:
        """Whole seconds to wait before this attempt may be checked, or None: go ahead."""
        rules = self.rules
        pair, by_address, by_account = self._keys(kind, account, address)
        counts = await self.store.count([pair, by_address, by_account])
        limits = (rules.pair_failures, rules.address_failures)
        waits = [
            ttl
            for (failures, ttl), limit in zip(counts[:2], limits, strict=True)
            if failures >= limit
        ]
        if waits:
            return max(1, math.ceil(max(waits)))
        if counts[2][0] >= rules.account_failures:
            wait = await self.store.take_slot(by_account, rules.account_spacing_seconds)
            if wait > 0:
                return max(1, math.ceil(wait))
        return None

    async def failed(self, kind: str, account: str, address: str) -> None:
        await self.store.add_failure(
            list(self._keys(kind, account, address)), self.rules.window_seconds
        )

    async def succeeded(self, kind: str, account: str, address: str) -> None:
        await self.store.clear(self._keys(kind, account, address)[0])

    async def close(self) -> None:
        await self.store.close()


def build_credential_throttle(redis_url: str | None, prefix: str) -> CredentialThrottle:
    return CredentialThrottle(RedisCounters(redis_url, prefix) if redis_url else LocalCounters())


def client_address(request: HTTPConnection | None) -> str:
    client = request.client if request is not None else None
    return client.host if client else "unknown"


def throttle_of(request: HTTPConnection) -> CredentialThrottle:
    throttle: CredentialThrottle = request.app.state.credential_throttle
    return throttle
