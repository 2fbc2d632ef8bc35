"""Appointments on the customer's timeline: one entry per appointment, at its booking, its
summary saying what, where, when and how it stands (batched for a page of customers)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from auth.context import Context
from models import Customer
from models.appointments import Appointment, BookableService
from models.stores import StaffMember, Store
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.common.recent import newest_per_group

MAX_ENTRIES = 100
Entry = tuple[str, datetime, str, str]  # kind, occurred at, actor, summary


async def _entries(keys: Sequence[BrandKey]) -> list[list[Entry]]:
    found: dict[BrandKey, list[Entry]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        rows = await newest_per_group(Appointment, "customer_id", brand_id, ids, MAX_ENTRIES)
        if not rows:
            continue
        stores = {s.id: s for s in await Store.filter(id__in={r.store_id for r in rows})}
        staff = {s.id: s.name for s in await StaffMember.filter(id__in={r.staff_id for r in rows})}
        services = {
            s.id: s.name for s in await BookableService.filter(id__in={r.service_id for r in rows})
        }
        for row in rows:
            store = stores[row.store_id]
            when = row.starts_at.astimezone(ZoneInfo(store.timezone)).strftime("%Y-%m-%d %H:%M")
            summary = (
                f"{services.get(row.service_id, 'service')} with {staff.get(row.staff_id, '?')}"
                f" at {store.name}, {when}: {row.status}"
            )
            found[(brand_id, row.customer_id)].append(
                ("APPOINTMENT", row.created_at, "appointments", summary)
            )
    return [found.get(key, []) for key in keys]


async def appointment_entries(context: Context, customer: Customer) -> list[Entry]:
    loader = get_loader(context, "customer_appointment_entries", _entries)
    return await loader.load((customer.brand_id, customer.id))  # type: ignore[no-any-return]
