"""The relay: moves committed outbox rows to the broker and queues webhook deliveries.

At least once, in order per brand: rows are read in id order (a brand's ids follow its commit
order, see outbox._next_seq), published, then marked. On PostgreSQL an advisory lock lets one
relay of all workers work at a time; elsewhere duplicates are possible and subscribers drop them
by event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from tortoise.transactions import in_transaction

from config import Settings
from events import webhooks
from events.broker import Broker
from events.outbox import Event, prune, utcnow
from events.reactions import run_reactions
from events.wakeup import register_waker, unregister_waker
from models.events import OutboxEvent
from models.rows import fetch_models, set_in

log = logging.getLogger("crm.events")

BATCH = 200
# In the order of the (published_at, id) index, so PostgreSQL walks it with an index scan, which
# marks the entries of relayed rows dead as it passes them (a bitmap scan would revisit every one
# of them on every cycle until the table is vacuumed).
UNPUBLISHED = (
    "SELECT * FROM outbox_events WHERE published_at IS NULL ORDER BY published_at, id LIMIT ?"
)
# Every HTTP request that writes events wakes the relay when it ends; under a steady stream a
# cycle (a transaction of four statements) per request would cost more than the events. At
# most one cycle per this interval gathers a busy moment's events; an idle relay wakes at once.
MIN_CYCLE_SECONDS = 0.02
ADVISORY_LOCK_KEY = 0x63726D0E  # "crm" + events
PRUNE_EVERY_SECONDS = 300.0


class Relay:
    def __init__(self, settings: Settings, broker: Broker) -> None:
        self.settings = settings
        self.broker = broker
        self.waker = asyncio.Event()
        self.stopped = False  # set by EventsRuntime.stop: leave between batches, never mid-way
        self._last_prune = 0.0
        # The last cycle found another worker's relay at work: it may have read the outbox
        # before our request's commit, so try again shortly instead of waiting for a wake.
        self.lock_busy = False

    async def relay_once(self) -> int:
        """Publish one batch of unpublished events; returns how many were moved."""
        async with in_transaction() as connection:
            if not self.settings.is_sqlite:
                locked = await connection.execute_query_dict(
                    "SELECT pg_try_advisory_xact_lock($1) AS ok", [ADVISORY_LOCK_KEY]
                )
                self.lock_busy = not locked or not locked[0]["ok"]
                if self.lock_busy:
                    return 0
            rows = await fetch_models(OutboxEvent, UNPUBLISHED, [BATCH])
            if not rows:
                return 0
            for row in rows:
                event = Event.from_row(row)
                await self.broker.publish(event)
                await run_reactions(event)
            await webhooks.enqueue(rows)
            await set_in(OutboxEvent, "published_at", utcnow(), [r.id for r in rows])
        return len(rows)

    async def _maybe_prune(self) -> None:
        loop = asyncio.get_running_loop()
        if loop.time() - self._last_prune < PRUNE_EVERY_SECONDS:
            return
        self._last_prune = loop.time()
        cutoff = utcnow() - timedelta(hours=self.settings.events_retention_hours)
        removed = await prune(cutoff)
        if removed:
            log.info("pruned %d events older than %s", removed, cutoff.isoformat())

    async def run(self) -> None:
        register_waker(self.waker)
        loop = asyncio.get_running_loop()
        try:
            while not self.stopped:
                started = loop.time()
                try:
                    moved = await self.relay_once()
                    await self._maybe_prune()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("event relay failed; retrying")
                    moved = 0
                    await asyncio.sleep(1.0)
                if moved >= BATCH:
                    continue
                if moved or self.lock_busy:
                    await asyncio.sleep(max(0.0, started + MIN_CYCLE_SECONDS - loop.time()))
                if self.lock_busy:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.waker.wait(), self.settings.events_poll_seconds)
                self.waker.clear()
        finally:
            unregister_waker(self.waker)
