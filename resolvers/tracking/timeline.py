"""Behaviour on the customer timeline: a customer's newest tracked events, batched per page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.tracking import storage

if TYPE_CHECKING:
    from models import Customer
    from models.analytics import TrackedEvent

MAX_NESTED = 100  # as many as a timeline shows
SHOWN_PROPERTIES = 4


def summary(name: str, properties: dict[str, Any]) -> str:
    """`add_to_cart (sku: latte, quantity: 2)`: the name and its first few properties."""
    shown = list(properties.items())[:SHOWN_PROPERTIES]
    detail = ", ".join(f"{key}: {str(value)[:40]}" for key, value in shown)
    return f"{name} ({detail})" if detail else name


async def _behaviour(keys: Sequence[BrandKey]) -> list[list[TrackedEvent]]:
    found: dict[BrandKey, list[TrackedEvent]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await storage.newest_events(brand_id, ids, MAX_NESTED):
            found[(brand_id, int(row.customer_id or 0))].append(row)
    return [found.get(key, []) for key in keys]


async def timeline_rows(context: Context, customer: Customer) -> list[tuple[datetime, str, str]]:
    """(occurred at, actor, summary) of the customer's newest tracked events."""
    loader = get_loader(context, "customer_behaviour", _behaviour)
    events = await loader.load((customer.brand_id, customer.id))
    return [
        (e.occurred_at, f"customer:{customer.id}", summary(e.name, e.properties)) for e in events
    ]
