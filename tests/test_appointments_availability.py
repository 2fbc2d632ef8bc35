"""availableSlots through the API: opening hours, schedules, time off, bookings, exceptions,
and days of a DST change, all in the store's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from config import Settings
from tests.booking_helpers import (
    CONFIGURE,
    LONDON,
    STYLIST_WEEK,
    TIME_OFF,
    UPDATE_STORE,
    book,
    iso,
    local,
    next_weekday,
    ok,
    salon,
    slots,
    starts,
)
from tests.support import GraphQL

WEEKDAY = [f"{h:02d}:{m:02d}" for h in range(10, 16) for m in (0, 30)]  # 10:00 ... 15:30


def next_transition(zone: ZoneInfo, forward: bool) -> date:
    """The next local day on which the zone's offset changes (spring forward, or back)."""
    day = datetime.now(zone).date() + timedelta(days=2)
    for _ in range(400):
        before = datetime.combine(day, datetime.min.time(), zone).utcoffset()
        after = datetime.combine(day + timedelta(days=1), datetime.min.time(), zone).utcoffset()
        assert before is not None and after is not None
        if (after > before) == forward and after != before:
            return day
        day += timedelta(days=1)
    raise AssertionError("no DST change within a year")


async def test_slots_follow_hours_schedule_time_off_and_bookings(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    monday = next_weekday(1)
    day = (local(monday, 0), local(monday + timedelta(days=1), 0))
    assert starts(await slots(gql, s, *day)) == WEEKDAY
    # a booking at 11:00 blocks 11:00-12:15 (60 minutes and a 15-minute buffer)
    assert (await book(gql, s, local(monday, 11)))["errors"] == []
    after_booking = starts(await slots(gql, s, *day))
    assert after_booking == ["12:30", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]
    # the same range given in another offset finds the same slots
    shanghai = ZoneInfo("Asia/Shanghai")
    other = await slots(gql, s, day[0].astimezone(shanghai), day[1].astimezone(shanghai))
    assert starts(other) == after_booking
    # time off 14:00-14:30
    off = {
        "staffId": s.stylist,
        "startsAt": iso(local(monday, 14)),
        "endsAt": iso(local(monday, 14, 30)),
    }
    await ok(gql, TIME_OFF, {**off, "reason": "dentist"}, s.token)
    assert starts(await slots(gql, s, *day)) == ["12:30", "14:30", "15:00", "15:30"]
    # times are the store's: London wall clock, whatever the brand's zone (Shanghai)
    found = await slots(gql, s, *day)
    assert datetime.fromisoformat(found[0]["startsAt"]) == local(monday, 12, 30)
    assert found[0]["endsAt"] == iso(local(monday, 13, 30))
    # Saturday the store is open but the stylist is not working; Sunday the store is closed
    saturday = monday + timedelta(days=5)
    assert await slots(gql, s, local(saturday, 0), local(saturday + timedelta(days=2), 0)) == []
    # a holiday closes a weekday; a short day keeps only what fits
    tuesday, wednesday = monday + timedelta(days=1), monday + timedelta(days=2)
    exceptions = [
        {"date": tuesday.isoformat(), "hours": []},
        {"date": wednesday.isoformat(), "hours": [{"opens": "12:00", "closes": "14:00"}]},
    ]
    await ok(gql, UPDATE_STORE, {"id": s.store, "exceptions": exceptions}, s.token)
    assert await slots(gql, s, local(tuesday, 0), local(wednesday, 0)) == []
    short = await slots(gql, s, local(wednesday, 0), local(wednesday + timedelta(days=1), 0))
    assert starts(short) == ["12:00", "12:30"]  # 12:30 + 75 minutes = 13:45 <= 14:00


async def test_slots_across_a_dst_change(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings)
    await ok(gql, CONFIGURE, {"priorityWindowDays": 365, "bookingWindowDays": 365}, s.token)
    # A day of spring forward: slots keep the wall clock, the offset moves from +00 to +01.
    spring = next_transition(LONDON, forward=True)
    every_day = [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 8)]
    stylist_daily = [{"weekday": d, "opens": "10:00", "closes": "18:00"} for d in range(1, 8)]
    await ok(gql, UPDATE_STORE, {"id": s.store, "openingHours": every_day}, s.token)
    from tests.booking_helpers import ASSIGN

    assign = {
        "staffId": s.stylist,
        "storeId": s.store,
        "role": "STYLIST",
        "schedule": stylist_daily,
    }
    await ok(gql, ASSIGN, assign, s.token)
    before, after = spring - timedelta(days=1), spring + timedelta(days=1)
    found = await slots(gql, s, local(before, 0), local(after + timedelta(days=1), 0), first=500)
    by_day: dict[str, list[str]] = {}
    for slot in found:
        moment = datetime.fromisoformat(slot["startsAt"])
        by_day.setdefault(moment.date().isoformat(), []).append(slot["startsAt"])
    assert sorted(by_day) == [before.isoformat(), spring.isoformat(), after.isoformat()]
    assert all(len(v) == len(WEEKDAY) for v in by_day.values())
    assert by_day[before.isoformat()][0] == f"{before.isoformat()}T10:00:00+00:00"
    assert by_day[spring.isoformat()][0] == f"{spring.isoformat()}T10:00:00+01:00"
    # booked at 10:00 London on the day after the change: 09:00 UTC
    booked = await book(gql, s, local(after, 10))
    assert booked["errors"] == []
    assert booked["appointment"]["startsAt"] == f"{after.isoformat()}T10:00:00+01:00"
    from models.appointments import Appointment

    row = await Appointment.get()
    assert row.starts_at.isoformat() == f"{after.isoformat()}T09:00:00+00:00"


async def test_a_day_is_23_or_25_hours_long_when_the_clocks_change(
    gql: GraphQL, settings: Settings
) -> None:
    """A 24-hour store in New York: hourly slots on the day clocks go forward number 23, on the
    day they go back 25 (the repeated 01:00 appears twice, with two offsets)."""
    s = await salon(gql, settings)
    await ok(
        gql,
        CONFIGURE,
        {"priorityWindowDays": 365, "bookingWindowDays": 365, "slotMinutes": 60},
        s.token,
    )
    new_york = ZoneInfo("America/New_York")
    around_the_clock = [{"weekday": d, "opens": "00:00", "closes": "24:00"} for d in range(1, 8)]
    values = {"id": s.store, "timezone": "America/New_York", "openingHours": around_the_clock}
    await ok(gql, UPDATE_STORE, values, s.token)
    from tests.booking_helpers import ASSIGN, CREATE_SERVICE

    assign = {
        "staffId": s.stylist,
        "storeId": s.store,
        "role": "STYLIST",
        "schedule": around_the_clock,
    }
    await ok(gql, ASSIGN, assign, s.token)
    hour = await ok(
        gql,
        CREATE_SERVICE,
        {"code": "H", "name": "Hour", "durationMinutes": 60, "price": "1", "skills": []},
        s.token,
    )
    service = hour["service"]["id"]
    for forward, expected in ((True, 23), (False, 25)):
        day = next_transition(new_york, forward)
        frm = datetime.combine(day, datetime.min.time(), new_york)
        to = datetime.combine(day + timedelta(days=1), datetime.min.time(), new_york)
        found = await slots(gql, s, frm, to, service=service, first=500)
        assert len(found) == expected, (day, [f["startsAt"] for f in found])
        hours = [datetime.fromisoformat(f["startsAt"]).hour for f in found]
        assert hours.count(2) == (0 if forward else 1)  # 02:00 is skipped in spring
        assert hours.count(1) == (1 if forward else 2)  # 01:00 happens twice in autumn


async def test_search_limits(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings)
    monday = next_weekday(1)
    body = await gql.post(
        """query($s: ID!, $v: ID!, $f: DateTime!, $t: DateTime!) {
          availableSlots(storeId: $s, serviceId: $v, from: $f, to: $t) { startsAt } }""",
        {
            "s": s.store,
            "v": s.haircut,
            "f": iso(local(monday, 0)),
            "t": iso(local(monday, 0) + timedelta(days=32)),
        },
        s.token,
    )
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    few = await slots(gql, s, local(monday, 0), local(monday, 23), first=3)
    assert starts(few) == WEEKDAY[:3]
    assert STYLIST_WEEK
