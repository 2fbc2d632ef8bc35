"""What the server starts in its lifespan: the broker, the relay and the webhook dispatcher."""

from __future__ import annotations

import asyncio
import contextlib

from config import Settings
from events.broker import Broker, make_broker
from events.relay import Relay
from events.webhooks import Dispatcher


class EventsRuntime:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.broker: Broker = make_broker(settings.redis_url, settings.redis_prefix)
        self.relay = Relay(settings, self.broker)
        self.dispatcher = Dispatcher(settings)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self.broker.start()
        self._tasks = [
            asyncio.create_task(self.dispatcher.run(), name="crm-webhook-dispatcher"),
        ]
        if self.settings.events_relay:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="crm-event-relay"))

    async def stop(self) -> None:
        # Let the loops finish their current batch (cancelling inside a transaction could leave
        # the shared connection locked), then cancel whatever is still waiting.
        self.relay.stopped = self.dispatcher.stopped = True
        self.relay.waker.set()
        self.dispatcher.waker.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks = []
        await self.dispatcher.close()
        await self.broker.close()
