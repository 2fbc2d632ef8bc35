"""Appointment analytics per staff member and store, over appointments starting in [from, to).

- no-show rate: NO_SHOW / (COMPLETED + NO_SHOW), the appointments whose outcome is known,
  in percent (None when there are none);
- utilisation: booked minutes (the service time of appointments still holding or having
  used their slot: BOOKED, CHECKED_IN, COMPLETED) / scheduled minutes (the staff member's
  schedule within the store's hours, minus time off, within [from, to)), in percent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from models.appointments import Appointment
from models.stores import StaffAssignment, StaffTimeOff, Store
from services.stores import hours

MAX_RANGE = timedelta(days=93)
USED = ("BOOKED", "CHECKED_IN", "COMPLETED")


@dataclass
class Usage:
    store_id: int
    staff_id: int | None  # None: the store's total
    appointments: int = 0
    completed: int = 0
    no_shows: int = 0
    cancelled: int = 0
    late_cancellations: int = 0
    booked_minutes: int = 0
    scheduled_minutes: int = 0

    @property
    def no_show_rate(self) -> float | None:
        known = self.completed + self.no_shows
        return round(100 * self.no_shows / known, 1) if known else None

    @property
    def utilisation(self) -> float | None:
        if not self.scheduled_minutes:
            return None
        return round(100 * self.booked_minutes / self.scheduled_minutes, 1)

    def add(self, other: Usage) -> None:
        for key in (
            "appointments",
            "completed",
            "no_shows",
            "cancelled",
            "late_cancellations",
            "booked_minutes",
            "scheduled_minutes",
        ):
            setattr(self, key, getattr(self, key) + getattr(other, key))


@dataclass(frozen=True)
class AppointmentStats:
    stores: list[Usage]
    staff: list[Usage]


def _minutes(windows: list[hours.Window]) -> int:
    return sum(int((end - start).total_seconds() // 60) for start, end in windows)


def scheduled_minutes(
    store: Store, assignment: StaffAssignment, off: list[hours.Window], frm: datetime, to: datetime
) -> int:
    tz = ZoneInfo(store.timezone)
    exceptions = hours.exceptions_by_day(store.exceptions or [])
    total = 0
    for day in hours.local_days(frm, to, tz):
        open_minutes = hours.store_minutes(store.opening_hours or {}, exceptions, day)
        working = hours.intersect(open_minutes, hours.weekly_minutes(assignment.schedule, day))
        clipped = [
            (max(s, frm), min(e, to))
            for s, e in hours.windows(day, working, tz)
            if s < to and frm < e
        ]
        total += _minutes(hours.subtract(clipped, off))
    return total


async def appointment_stats(
    brand_id: int, frm: datetime, to: datetime, store_id: int | None
) -> AppointmentStats:
    stores_query = Store.filter(brand_id=brand_id)
    if store_id is not None:
        stores_query = stores_query.filter(id=store_id)
    stores = {s.id: s for s in await stores_query}
    assignments = await StaffAssignment.filter(brand_id=brand_id, store_id__in=list(stores))
    staff_ids = sorted({a.staff_id for a in assignments})
    off: dict[int, list[hours.Window]] = defaultdict(list)
    for staff_id, start, end in (
        await StaffTimeOff.filter(staff_id__in=staff_ids, starts_at__lt=to, ends_at__gt=frm)
        .order_by("starts_at")
        .values_list("staff_id", "starts_at", "ends_at")
    ):
        off[int(staff_id)].append((start, end))
    usage: dict[tuple[int, int], Usage] = {}
    for a in assignments:
        row = usage.setdefault((a.store_id, a.staff_id), Usage(a.store_id, a.staff_id))
        row.scheduled_minutes = scheduled_minutes(stores[a.store_id], a, off[a.staff_id], frm, to)
    rows = await Appointment.filter(
        brand_id=brand_id, store_id__in=list(stores), starts_at__gte=frm, starts_at__lt=to
    ).values_list("store_id", "staff_id", "status", "late_cancellation", "starts_at", "ends_at")
    for store, staff, status, late, start, end in rows:
        row = usage.setdefault((int(store), int(staff)), Usage(int(store), int(staff)))
        row.appointments += 1
        row.completed += status == "COMPLETED"
        row.no_shows += status == "NO_SHOW"
        row.cancelled += status == "CANCELLED"
        row.late_cancellations += bool(late)
        if status in USED:
            row.booked_minutes += int((end - start).total_seconds() // 60)
    totals: dict[int, Usage] = {sid: Usage(sid, None) for sid in stores}
    for row in usage.values():
        totals[row.store_id].add(row)
    staff_rows = sorted(usage.values(), key=lambda u: (u.store_id, u.staff_id or 0))
    return AppointmentStats(sorted(totals.values(), key=lambda u: u.store_id), staff_rows)
