"""429 answers are sent late: a held-back caller waits, the worker does not.

A caller answered 429 (the rate limit, the refusal throttle of engine/refusals.py, the
credential throttle) that sends again at once costs the worker a request's HTTP work per
answer, hundreds a second from a few connections. `RefusalTarpit` holds each 429 for
min(its Retry-After, `max_delay`) before sending it, unchanged: a client that loops without
pausing then sends about one request a second per connection. Holding an answer costs an idle
coroutine and no database connection or execution slot (those are released before a 429 is
sent). At most `slots` answers are held at once per process; past that they go at once, so
that opening connections by the thousand piles up nothing. While an answer is held the rest of
the request's body is drained unparsed; a client that disconnects gets nothing.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RefusalTarpit:
    def __init__(self, app: ASGIApp, max_delay: float, slots: int) -> None:
        self.app = app
        self.max_delay = max_delay
        self.slots = slots
        self.held = 0  # answers being held now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_delay <= 0 or self.slots <= 0:
            await self.app(scope, receive, send)
            return
        dropped = False

        async def tarpit_send(message: Message) -> None:
            nonlocal dropped
            if dropped:
                return
            if message["type"] == "http.response.start" and message["status"] == 429:
                delay = min(_retry_after(message), self.max_delay)
                if self.held < self.slots and delay > 0:
                    self.held += 1
                    try:
                        dropped = await _disconnected_within(receive, delay)
                    finally:
                        self.held -= 1
                    if dropped:
                        return
            await send(message)

        await self.app(scope, receive, tarpit_send)


def _retry_after(start: Message) -> float:
    for name, value in start.get("headers", ()):
        if name.lower() == b"retry-after":
            try:
                return float(value)
            except ValueError:
                break
    return float("inf")  # no usable Retry-After: the longest delay


async def _disconnected_within(receive: Receive, seconds: float) -> bool:
    """Waits `seconds`, reading (and dropping) what is left of the request's body; True as soon
    as the client disconnects."""

    async def until_disconnect() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    try:
        await asyncio.wait_for(until_disconnect(), seconds)
    except TimeoutError:
        return False
    return True
