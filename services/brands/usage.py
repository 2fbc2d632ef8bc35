"""Per-app usage: GraphQL operations, errors and rate-limit refusals per day of the brand.

Counting happens on every operation, so it is a dictionary increment in the worker; the
counts reach `app_usage_days` (one upsert per app and day) at most `FLUSH_SECONDS` later, in a
task the next operation starts (no request waits for it), when usage is read, and when the
worker shuts down (`drain`). A worker that dies loses at most `FLUSH_SECONDS` of counts: usage
is for the brand's information, not billing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import date

from tortoise.exceptions import IntegrityError, OperationalError

from models.partners import AppUsageDay
from services.common import sql

log = logging.getLogger("crm.usage")

FLUSH_SECONDS = 5.0
MAX_DAYS = 366
UsageKey = tuple[int, int, date]  # brand, app, day
_pending: dict[UsageKey, list[int]] = {}  # requests, errors, rate-limit refusals
_last_flush = time.monotonic()
_flushing = asyncio.Lock()


_flushes: set[asyncio.Task[None]] = set()  # held until done (the loop keeps weak references)


def count(brand_id: int, app_id: int, day: date, error: bool, rate_limited: bool) -> None:
    """Count one finished operation; past FLUSH_SECONDS, flush in a task of its own (the request
    does not wait for it)."""
    counts = _pending.get((brand_id, app_id, day))
    if counts is None:
        counts = _pending[(brand_id, app_id, day)] = [0, 0, 0]
    counts[0] += 1
    counts[1] += error
    counts[2] += rate_limited
    if time.monotonic() - _last_flush >= FLUSH_SECONDS and not _flushes:
        task = asyncio.get_running_loop().create_task(flush(), name="crm-usage-flush")
        _flushes.add(task)
        task.add_done_callback(_flushes.discard)


_UPSERT = (
    "INSERT INTO app_usage_days (brand_id, app_id, day, requests, errors, rate_limited)"
    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, day) DO UPDATE SET"
    " requests = app_usage_days.requests + excluded.requests,"
    " errors = app_usage_days.errors + excluded.errors,"
    " rate_limited = app_usage_days.rate_limited + excluded.rate_limited"
)


async def flush() -> None:
    """Write the worker's pending counts (taken at once, so two flushes never write one twice);
    a flush waits for one under way, so a read after it sees every count taken before."""
    global _pending, _last_flush
    async with _flushing:
        taken, _pending, _last_flush = _pending, {}, time.monotonic()
        await _write(taken)


async def drain() -> None:
    """At a worker's shutdown: wait for a flush under way, then write what is pending."""
    await flush()


async def _write(taken: dict[UsageKey, list[int]]) -> None:
    for (brand_id, app_id, day), (requests, errors, refused) in taken.items():
        try:
            await sql.execute(_UPSERT, [brand_id, app_id, day, requests, errors, refused])
        except (IntegrityError, OperationalError) as exc:  # app deleted, database away
            log.warning("usage of app %s on %s not recorded: %s", app_id, day, exc)


@dataclass(frozen=True)
class UsageDay:
    day: date
    requests: int
    errors: int
    rate_limited: int


async def usage(brand_id: int, app_id: int, since: date, until: date) -> list[UsageDay]:
    """Days in [since, until] with at least one operation, oldest first."""
    await flush()
    rows = await AppUsageDay.filter(
        brand_id=brand_id, app_id=app_id, day__gte=since, day__lte=until
    ).order_by("day")
    return [UsageDay(r.day, r.requests, r.errors, r.rate_limited) for r in rows]
