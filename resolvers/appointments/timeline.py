"""Appointments on the customer's timeline: one entry per appointment, at its booking, its
summary saying what, where, when and how it stands (batched for a page of customers)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.appointments import timeline
from services.appointments.timeline import Entry

if TYPE_CHECKING:
    from models import Customer

MAX_ENTRIES = 100


async def _entries(keys: Sequence[BrandKey]) -> list[list[Entry]]:
    found: dict[BrandKey, list[Entry]] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for customer_id, entries in (await timeline.entries_of(brand_id, ids, MAX_ENTRIES)).items():
            found[(brand_id, customer_id)] = entries
    return [found.get(key, []) for key in keys]


async def appointment_entries(context: Context, customer: Customer) -> list[Entry]:
    loader = get_loader(context, "customer_appointment_entries", _entries)
    return await loader.load((customer.brand_id, customer.id))  # type: ignore[no-any-return]
