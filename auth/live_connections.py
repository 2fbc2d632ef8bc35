"""Open websockets by the token they were opened with, so a dead token is dead on them too.

A token checked at `connection_init` would otherwise keep its subscriptions alive until it
expires. Two ways close them (4403) on every worker:

- a `Revocation` notice, sent through the events broker when `revokeToken` or `disableApp`
  commits (in-process, or Redis pub/sub to every worker), closes the matching sockets at once;
- a sweep every `CRM_WS_RECHECK_SECONDS` re-checks every open socket's token in a few batched
  statements (revoked jti, disabled or regenerated app, deactivated user, erased customer), for
  what no notice announced: `crm app disable` run without Redis, a notice lost with Redis.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from auth.principal import Principal
from services.brands.brands import OpenToken, dead_tokens

log = logging.getLogger("crm.auth")

CLOSE_CODE = 4403
Closer = Callable[[str], Awaitable[None]]


@dataclass(frozen=True)
class Revocation:
    """What was cut off in one brand: one token (`jti`) or every token of a `subject`
    (`app:3`, `user:5`)."""

    brand_id: int
    jti: str | None = None
    subject: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"brand_id": self.brand_id, "jti": self.jti, "subject": self.subject}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Revocation:
        jti, subject = data.get("jti"), data.get("subject")
        return cls(
            brand_id=int(data["brand_id"]),
            jti=str(jti) if jti is not None else None,
            subject=str(subject) if subject is not None else None,
        )

    def matches(self, brand_id: int, principal: Principal) -> bool:
        if brand_id != self.brand_id:
            return False
        return principal.jti == self.jti or principal.subject == self.subject


@dataclass(frozen=True)
class _Open:
    brand_id: int
    principal: Principal
    close: Closer


def _open_token(entry: _Open) -> OpenToken:
    p = entry.principal
    return OpenToken(entry.brand_id, p.kind, p.subject_id, p.jti, p.generation)


class LiveConnections:
    """This worker's acknowledged websockets, keyed by their handler."""

    def __init__(self, recheck_seconds: float) -> None:
        self.recheck_seconds = recheck_seconds
        self._open: dict[object, _Open] = {}
        self._sweeper: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        return len(self._open)

    def add(self, key: object, brand_id: int, principal: Principal, close: Closer) -> None:
        self._open[key] = _Open(brand_id, principal, close)
        if self._sweeper is None or self._sweeper.done():
            self._sweeper = asyncio.create_task(self._sweep_while_open(), name="crm-ws-recheck")

    def discard(self, key: object) -> None:
        self._open.pop(key, None)

    async def apply(self, revocation: Revocation) -> int:
        """Close the sockets a notice names; how many."""
        doomed = [k for k, o in self._open.items() if revocation.matches(o.brand_id, o.principal)]
        await self._close(doomed, "token has been revoked")
        return len(doomed)

    async def sweep(self) -> int:
        """Close the sockets whose token the database no longer accepts; how many."""
        if not self._open:
            return 0
        snapshot = [(key, _open_token(o)) for key, o in self._open.items()]
        dead = await dead_tokens([token for _, token in snapshot])
        doomed = [key for key, token in snapshot if token in dead]
        await self._close(doomed, "token has been revoked")
        return len(doomed)

    async def _close(self, keys: list[object], reason: str) -> None:
        for key in keys:
            entry = self._open.pop(key, None)
            if entry is None:
                continue
            log.info("closing a websocket of %s: %s", entry.principal.subject, reason)
            with contextlib.suppress(Exception):  # already gone: nothing to close
                await entry.close(reason)

    async def _sweep_while_open(self) -> None:
        while self._open:
            await asyncio.sleep(self.recheck_seconds)
            try:
                await self.sweep()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is away: try again next round
                log.warning("websocket token re-check failed", exc_info=True)

    async def close(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sweeper
        self._open.clear()
