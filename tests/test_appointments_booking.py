"""Booking: no double booking in the database (a 20-way race on PostgreSQL), reschedules that
keep their slot until the new one is held, tier windows, priority holds, member prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from tortoise import Tortoise
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from config import Settings
from models.appointments import Appointment
from models.events import OutboxEvent
from tests.booking_helpers import (
    CONFIGURE,
    RESCHEDULE,
    book,
    codes,
    customer_token,
    iso,
    local,
    make_tier,
    mutate,
    next_weekday,
    ok,
    pk,
    salon,
    slots,
    starts,
)
from tests.concurrency import concurrently_behind_a_lock, on_postgres
from tests.support import GraphQL, create_customer

HOLD = """mutation($input: CreatePriorityHoldInput!) { createPriorityHold(input: $input) {
  hold { id staffId } errors { field code } } }"""


async def test_twenty_concurrent_bookings_of_one_slot_one_wins(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    customers = [s.customer] + [
        (await create_customer(gql, s.token, name=f"C{i}"))["id"] for i in range(19)
    ]
    at = local(next_weekday(2), 11)

    async def attempt(customer: str) -> list[str]:
        return codes(await book(gql, s, at, customerId=customer))

    staff_pk = pk(s.stylist, "StaffMember")
    # On PostgreSQL every insert first waits on the staff row (its foreign-key check) held by
    # another connection, then all are released at once: real concurrent transactions.
    results = await concurrently_behind_a_lock(
        staff_pk, [attempt(c) for c in customers], table="staff_members"
    )
    assert sorted(map(tuple, results)) == [()] + [("SLOT_TAKEN",)] * 19
    assert await Appointment.filter(holds_slot=True).count() == 1
    assert await OutboxEvent.filter(type="appointment.booked").count() == 1
    # a slot that overlaps only partly is taken too; the next free one is not
    assert codes(await book(gql, s, at + timedelta(minutes=30))) == ["SLOT_TAKEN"]
    assert codes(await book(gql, s, at + timedelta(minutes=90))) == []


async def test_the_database_itself_refuses_an_overlap(gql: GraphQL, settings: Settings) -> None:
    """Not the service: a raw insert of an overlapping slot fails, a cancelled one does not."""
    s = await salon(gql, settings)
    at = local(next_weekday(3), 11)
    assert (await book(gql, s, at))["errors"] == []
    first = await Appointment.get()
    clone = {
        k: getattr(first, k)
        for k in ("brand_id", "store_id", "staff_id", "service_id", "customer_id", "price")
    }
    start = at.astimezone(UTC) + timedelta(minutes=70)  # inside the 15-minute buffer
    with pytest.raises(IntegrityError):
        async with in_transaction():
            await Appointment.create(
                **clone,
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                blocks_until=start + timedelta(hours=1),
            )
    await Appointment.create(  # a row that gave its slot back does not count
        **clone,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        blocks_until=start + timedelta(hours=1),
        holds_slot=False,
        status="CANCELLED",
    )
    with pytest.raises(IntegrityError):  # and cannot take it back while it overlaps
        async with in_transaction():
            await Appointment.filter(status="CANCELLED").update(holds_slot=True)
    conn = Tortoise.get_connection("default")
    if on_postgres():
        rows = await conn.execute_query_dict(
            "SELECT conname FROM pg_constraint WHERE contype = 'x'"
        )
        assert {r["conname"] for r in rows} == {"appointments_no_overlap"}


async def test_a_reschedule_keeps_its_slot_until_the_new_one_is_held(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    other = (await create_customer(gql, s.token, name="Wang"))["id"]
    day = next_weekday(4)
    mine = (await book(gql, s, local(day, 10)))["appointment"]
    assert (await book(gql, s, local(day, 13), customerId=other))["errors"] == []
    moved = await mutate(
        gql, RESCHEDULE, {"appointmentId": mine["id"], "startsAt": iso(local(day, 13))}, s.token
    )
    assert codes(moved) == ["SLOT_TAKEN"]
    # nothing changed: the old slot is still held
    row = await Appointment.get(id=pk(mine["id"], "Appointment"))
    assert (row.starts_at, row.reschedules, row.holds_slot) == (local(day, 10), 0, True)
    assert codes(await book(gql, s, local(day, 10), customerId=other)) == ["SLOT_TAKEN"]
    assert await OutboxEvent.filter(type="appointment.rescheduled").count() == 0
    # a move that overlaps its own old slot is fine (one row, updated in place)
    moved = await ok(
        gql, RESCHEDULE, {"appointmentId": mine["id"], "startsAt": iso(local(day, 10, 30))}, s.token
    )
    assert moved["appointment"]["startsAt"] == iso(local(day, 10, 30))
    assert moved["appointment"]["reschedules"] == 1
    # the old start is free again only as far as the new slot allows
    day_slots = starts(await slots(gql, s, local(day, 0), local(day, 23)))
    assert "10:00" not in day_slots and "14:30" in day_slots


async def test_a_reschedule_racing_a_booking_for_the_same_slot(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    other = (await create_customer(gql, s.token, name="Wang"))["id"]
    day = next_weekday(5)
    mine = (await book(gql, s, local(day, 10)))["appointment"]
    target = local(day, 14)

    async def move() -> list[str]:
        values = {"appointmentId": mine["id"], "startsAt": iso(target)}
        return codes(await mutate(gql, RESCHEDULE, values, s.token))

    async def take() -> list[str]:
        return codes(await book(gql, s, target, customerId=other))

    staff_pk = pk(s.stylist, "StaffMember")
    # The move updates its own row (the staff id unchanged: no wait on the staff row), so it
    # starts once the three bookings, their rows written, wait on the lock: all four are open.
    results = await concurrently_behind_a_lock(
        staff_pk, [move(), take(), take(), take()], table="staff_members", later=1
    )
    assert sorted(len(r) for r in results) == [0, 1, 1, 1]
    assert all(r in ([], ["SLOT_TAKEN"]) for r in results)
    held = await Appointment.filter(holds_slot=True).order_by("starts_at")
    mine_row = await Appointment.get(id=pk(mine["id"], "Appointment"))
    if results[0] == []:  # the move won: one appointment at 14:00, none at 10:00
        assert [a.starts_at for a in held] == [target]
    else:  # the move lost: it still holds 10:00, the booking holds 14:00
        assert mine_row.starts_at == local(day, 10)
        assert [a.starts_at for a in held] == [local(day, 10), target]


async def test_tier_booking_windows(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings, policy={"bookingWindowDays": 7, "priorityWindowDays": 30})
    far = local(next_weekday(2, at_least_days=14), 11)
    near = local(next_weekday(2, at_least_days=2), 11)
    assert codes(await book(gql, s, far)) == ["OUTSIDE_BOOKING_WINDOW"]
    mine = await customer_token(gql, s)
    assert codes(await book(gql, s, far, token=mine)) == ["OUTSIDE_BOOKING_WINDOW"]
    # the customer's own search stops at their window
    found = await slots(gql, s, near, far + timedelta(hours=2), token=mine, first=500)
    assert found and max(datetime.fromisoformat(f["startsAt"]) for f in found) <= (
        datetime.now(UTC) + timedelta(days=7)
    )
    # Gold has priorityBooking: 30 days ahead, and pays the member price
    await make_tier(gql, s, s.customer, "Gold")
    booked = await book(gql, s, far, token=mine)
    assert booked["errors"] == []
    assert (booked["appointment"]["tier"], booked["appointment"]["price"]) == ("Gold", "80.00")
    assert booked["appointment"]["online"] is True
    # a tier's own window beats the priority window
    await ok(gql, CONFIGURE, {"tierWindows": [{"tier": "Gold", "days": 3}]}, s.token)
    later = far + timedelta(days=1)
    assert codes(await book(gql, s, later, token=mine)) == ["OUTSIDE_BOOKING_WINDOW"]
    assert codes(
        await mutate(gql, CONFIGURE, {"tierWindows": [{"tier": "Nope", "days": 3}]}, s.token)
    ) == ["UNKNOWN_TIER"]


async def test_slots_held_for_priority_tiers(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings, policy={"priorityReleaseHours": 24})
    day = next_weekday(3, at_least_days=4)
    hold = {"storeId": s.store, "startsAt": iso(local(day, 10)), "endsAt": iso(local(day, 12))}
    await ok(gql, HOLD, hold, s.token)
    gold = (await create_customer(gql, s.token, name="Gold member"))["id"]
    await make_tier(gql, s, gold, "Gold")
    # staff see the held slots flagged; a regular customer does not see them at all
    everyone = await slots(gql, s, local(day, 0), local(day, 23))
    held = [x for x in everyone if x["priorityOnly"]]
    assert starts(held) == ["10:00", "10:30", "11:00", "11:30"]
    regular = await customer_token(gql, s)
    assert starts(await slots(gql, s, local(day, 0), local(day, 23), token=regular))[0] == "12:00"
    gold_token = await customer_token(gql, s, gold)
    assert (
        starts(await slots(gql, s, local(day, 0), local(day, 23), token=gold_token))[0] == "10:00"
    )
    assert codes(await book(gql, s, local(day, 10), token=regular)) == ["PRIORITY_ONLY"]
    assert codes(await book(gql, s, local(day, 10))) == ["PRIORITY_ONLY"]  # staff, for Li
    taken = await book(gql, s, local(day, 10), token=gold_token)
    assert taken["errors"] == [] and taken["appointment"]["prioritySlot"] is True
    # released to everyone `priorityReleaseHours` before the hold starts
    await ok(gql, CONFIGURE, {"priorityReleaseHours": 24 * 365}, s.token)
    assert (await book(gql, s, local(day, 11, 30), token=regular))["errors"] == []


async def test_a_retried_booking_answers_the_first_and_books_once(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    at = local(next_weekday(3), 11)
    first = await book(gql, s, at, idempotencyKey="pos-42")
    assert first["errors"] == []
    again = await book(gql, s, at, idempotencyKey="pos-42")
    assert again["errors"] == [] and again["appointment"]["id"] == first["appointment"]["id"]
    other_time = await book(gql, s, at + timedelta(hours=2), idempotencyKey="pos-42")
    assert [(e["field"], e["code"]) for e in other_time["errors"]] == [
        ("idempotencyKey", "IDEMPOTENCY_KEY_REUSED")
    ]
    assert codes(await book(gql, s, at, idempotencyKey="x" * 101)) == ["INVALID"]
    rival = await salon(gql, settings, slug="rival")  # keys are per brand
    elsewhere = await book(gql, rival, local(next_weekday(3), 11), idempotencyKey="pos-42")
    assert elsewhere["errors"] == []
    assert await Appointment.filter(brand_id=s.brand.id).count() == 1
    assert await OutboxEvent.filter(type="appointment.booked").count() == 2


async def test_ten_concurrent_retries_of_one_booking_book_once(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    at = local(next_weekday(2), 14)

    async def attempt() -> tuple[list[str], str | None]:
        answer = await book(gql, s, at, idempotencyKey="app-retry-7")
        return codes(answer), (answer["appointment"] or {}).get("id")

    results = await concurrently_behind_a_lock(
        pk(s.stylist, "StaffMember"), [attempt() for _ in range(10)], table="staff_members"
    )
    assert [r[0] for r in results] == [[]] * 10
    assert len({r[1] for r in results}) == 1
    assert await Appointment.filter(brand_id=s.brand.id).count() == 1
    assert await OutboxEvent.filter(type="appointment.booked").count() == 1
