"""Free slots: opening hours and exceptions, staff schedules, time off, appointments and
priority holds, in the store's time zone.

A slot is a start time on the grid (every `slotMinutes` from the start of a working window:
the store's hours of a local day intersected with the staff member's schedule) such that
the service and its buffer fit in the window and overlap no time off and no appointment
that holds its slot. Work is linear in (staff x days + appointments + slots): three
statements (assignments, busy periods, holds) whatever the range.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.appointments import BookableService, BookingPolicy, PriorityHold
from models.stores import StaffAssignment, StaffMember, Store
from services.appointments.policy import Standing
from services.common import sql
from services.stores import hours
from services.stores.hours import Window

MAX_RANGE = timedelta(days=31)
MAX_SLOTS = 500


@dataclass(frozen=True)
class Slot:
    staff_id: int
    starts_at: datetime
    ends_at: datetime
    priority_only: bool


@dataclass(frozen=True)
class Bookable:
    """The staff members who may perform a service in a store, with their schedules."""

    store: Store
    service: BookableService
    assignments: list[StaffAssignment]


class RangeError(ValueError):
    pass


def check_range(frm: datetime, to: datetime) -> None:
    if frm.tzinfo is None or to.tzinfo is None:
        raise RangeError("`from` and `to` need a UTC offset")
    if frm >= to:
        raise RangeError("`from` must be before `to`")
    if to - frm > MAX_RANGE:
        raise RangeError(f"at most {MAX_RANGE.days} days at once")


async def bookable_staff(store: Store, service: BookableService, staff_id: int | None) -> Bookable:
    """Active staff assigned to the store whose skills cover the service's."""
    query = StaffAssignment.filter(brand_id=store.brand_id, store_id=store.id)
    if staff_id is not None:
        query = query.filter(staff_id=staff_id)
    assignments = await query.order_by("staff_id")
    ids = [a.staff_id for a in assignments]
    needed = set(service.skills or [])
    staff = await StaffMember.filter(id__in=ids, active=True) if ids else []
    able = {s.id for s in staff if needed <= set(s.skills or [])}
    return Bookable(store, service, [a for a in assignments if a.staff_id in able])


async def _busy(
    staff_ids: list[int], frm: datetime, to: datetime, with_appointments: bool
) -> dict[int, list[Window]]:
    busy: dict[int, list[Window]] = defaultdict(list)
    if not staff_ids:
        return busy
    marks = ", ".join("?" for _ in staff_ids)
    statement = (
        f"SELECT staff_id, starts_at, ends_at FROM staff_time_off WHERE staff_id IN ({marks})"
        " AND starts_at < ? AND ends_at > ?"
    )
    if with_appointments:
        statement += (
            " UNION ALL SELECT staff_id, starts_at, blocks_until FROM appointments"
            f" WHERE staff_id IN ({marks}) AND holds_slot = ? AND starts_at < ?"
            " AND blocks_until > ?"
        )
    # UTC, as stored: SQLite compares the times as text
    frm, to = frm.astimezone(UTC), to.astimezone(UTC)
    params: list[object] = [*staff_ids, to, frm]
    if with_appointments:
        params += [*staff_ids, True, to, frm]
    # Plain rows: the ORM's per-value datetime parsing cost most of a month's search.
    for row in await sql.fetch(statement, params):
        busy[int(row["staff_id"])].append((_moment(row["starts_at"]), _moment(row["ends_at"])))
    for periods in busy.values():
        periods.sort()
    return busy


def _moment(value: object) -> datetime:
    """A time as the driver returns it: a datetime (PostgreSQL) or the ORM's UTC text."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


async def _holds(
    store: Store, frm: datetime, to: datetime, now: datetime, release: int
) -> list[PriorityHold]:
    """Holds still in force: not yet released (`release` hours before they start)."""
    return await PriorityHold.filter(
        store_id=store.id,
        starts_at__lt=to,
        ends_at__gt=frm,
        starts_at__gt=now + timedelta(hours=release),
    )


def _held(holds: list[PriorityHold], staff_id: int, start: datetime, end: datetime) -> bool:
    return any(
        (h.staff_id is None or h.staff_id == staff_id) and h.starts_at < end and start < h.ends_at
        for h in holds
    )


def _grid_starts(
    work: Window, free: list[Window], step: timedelta, total: timedelta
) -> list[datetime]:
    """Grid points of one working window from which `total` fits in a free window."""
    starts: list[datetime] = []
    anchor = work[0]
    for start, end in free:
        offset = start - anchor
        k = -(-offset // step)  # ceil
        t = anchor + k * step
        while t + total <= end:
            starts.append(t)
            t += step
    return starts


async def find_slots(
    bookable: Bookable,
    policy: BookingPolicy,
    frm: datetime,
    to: datetime,
    now: datetime,
    standing: Standing | None,
    limit: int = MAX_SLOTS,
    with_appointments: bool = True,
) -> list[Slot]:
    """Slots starting in [frm, to), soonest first (ties by staff), at most `limit`.

    `standing` is the customer's (their booking window; holds only for priority tiers);
    None shows every slot up to the widest window, held ones flagged `priority_only`.
    """
    store, service = bookable.store, bookable.service
    tz = ZoneInfo(store.timezone)
    earliest = max(frm, now + timedelta(minutes=policy.min_notice_minutes))
    if standing is not None:
        to = min(to, standing.window_end(now) + timedelta(microseconds=1))
    if earliest >= to or store.status != "OPEN" or not service.active:
        return []
    duration = timedelta(minutes=service.duration_minutes)
    total = duration + timedelta(minutes=service.buffer_minutes)
    step = timedelta(minutes=policy.slot_minutes)
    days = hours.local_days(earliest, to, tz)
    # A window of the day before may hold slots starting after `earliest` (24-hour stores).
    days = [days[0] - timedelta(days=1), *days]
    staff_ids = [a.staff_id for a in bookable.assignments]
    busy = await _busy(staff_ids, earliest - total, to + total, with_appointments)
    holds = await _holds(store, earliest, to + total, now, policy.priority_release_hours)
    exceptions = hours.exceptions_by_day(store.exceptions or [])
    slots: list[Slot] = []
    for assignment in bookable.assignments:
        staff_busy = busy.get(assignment.staff_id, [])
        k = 0  # windows come in time order: the busy periods are swept once per staff member
        for day in days:
            open_minutes = hours.store_minutes(store.opening_hours or {}, exceptions, day)
            working = hours.intersect(
                open_minutes, hours.weekly_minutes(assignment.schedule or {}, day)
            )
            for work in hours.windows(day, working, tz):
                free, k = hours.subtract_from(work, staff_busy, k)
                for start in _grid_starts(work, free, step, total):
                    if not earliest <= start < to:
                        continue
                    held = _held(holds, assignment.staff_id, start, start + duration)
                    if held and standing is not None and not standing.priority:
                        continue
                    slots.append(Slot(assignment.staff_id, start, start + duration, held))
    slots.sort(key=lambda s: (s.starts_at, s.staff_id))
    return slots[:limit]


def utcnow() -> datetime:
    return datetime.now(UTC)
