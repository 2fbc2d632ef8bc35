"""Appointments on the customer's timeline: one entry per appointment, at its booking, its
summary saying what, where, when and how it stands (read for a batch of customers)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from models.appointments import Appointment, BookableService
from models.stores import StaffMember, Store
from services.common.recent import newest_per_group

Entry = tuple[str, datetime, str, str]  # kind, occurred at, actor, summary


async def entries_of(brand_id: int, customer_ids: list[int], limit: int) -> dict[int, list[Entry]]:
    """Each customer's `limit` newest appointments as entries, newest first."""
    found: dict[int, list[Entry]] = defaultdict(list)
    rows = await newest_per_group(Appointment, "customer_id", brand_id, customer_ids, limit)
    if not rows:
        return found
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
        found[row.customer_id].append(("APPOINTMENT", row.created_at, "appointments", summary))
    return found
