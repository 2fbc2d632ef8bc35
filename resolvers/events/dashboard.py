"""The `dashboard` feed: recompute the KPIs when the brand's events arrive, coalesced."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from resolvers.events.stream import broker_of
from services.analytics import dashboard

MIN_INTERVAL_SECONDS = 0.5  # at most two updates a second
REFRESH_SECONDS = 30.0  # also recompute now and then (the day rolls over, SLAs lapse)


async def kpi_stream(context: Context) -> AsyncIterator[dict[str, Any]]:
    brand = context.require_brand()
    principal = context.principal
    assert principal is not None
    deadline = principal.expires_at.timestamp()
    async with broker_of(context).subscribe(brand.id) as subscription:
        last_values = await dashboard.compute(brand, datetime.now(UTC))
        yield last_values
        last_sent = time.monotonic()
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                raise StrawberryGraphQLError(
                    "token has expired", extensions={"code": "UNAUTHENTICATED"}
                )
            event = await subscription.get(min(REFRESH_SECONDS, remaining))
            if event is not None:
                # Coalesce: wait out the interval, then drop what queued up meanwhile.
                wait = MIN_INTERVAL_SECONDS - (time.monotonic() - last_sent)
                if wait > 0:
                    await asyncio.sleep(wait)
                while not subscription.queue.empty():
                    subscription.queue.get_nowait()
            values = await dashboard.compute(brand, datetime.now(UTC))
            if values != last_values:
                last_values = values
                last_sent = time.monotonic()
                yield values
