"""Waking the relay once an event's transaction has committed.

`emit()` runs inside the caller's transaction and cannot see its commit. During an HTTP request
it only marks the request; `WakeRelayAfterRequest` wakes the relay as soon as the request is
over, when its transactions have committed. Outside a request (jobs, reactions, websocket
operations) the relay is woken a little later on timers, and it polls as well.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

_wakers: list[asyncio.Event] = []


@dataclass
class RequestMark:
    emitted: bool = False
    over: bool = False  # a task the request started may outlive it: then the timers apply


_current: ContextVar[RequestMark | None] = ContextVar("crm_request_mark", default=None)
# Set while a dry run executes: its transaction is rolled back, nothing will commit.
rolled_back: ContextVar[bool] = ContextVar("crm_dry_run", default=False)


def register_waker(waker: asyncio.Event) -> None:
    """The relay registers an asyncio.Event that is set when committed events may be waiting."""
    _wakers.append(waker)


def unregister_waker(waker: asyncio.Event) -> None:
    if waker in _wakers:
        _wakers.remove(waker)


def wake() -> None:
    for waker in list(_wakers):
        waker.set()


def wake_after_commit(delays: Sequence[float]) -> None:
    """Called by emit() inside the transaction: wake the relay once it has committed."""
    if rolled_back.get():
        return
    mark = _current.get()
    if mark is not None and not mark.over:
        mark.emitted = True
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # pragma: no cover - emit is always awaited in a loop
        return
    for delay in delays:
        loop.call_later(delay, wake)


class WakeRelayAfterRequest:
    """Pure ASGI middleware: an HTTP request that wrote events wakes the relay when it ends."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        mark = RequestMark()
        token = _current.set(mark)
        try:
            await self.app(scope, receive, send)
        finally:
            mark.over = True
            _current.reset(token)
            if mark.emitted:
                wake()
