"""The life cycle and the brand's policy: check-in, completion with its purchase, late
cancellation and no-show penalties through the ledger, suspension of online booking,
reminders (once each, however often the job runs), and the analytics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from config import Settings
from models import PointsTransaction, Purchase
from models.appointments import Appointment
from models.events import OutboxEvent
from services.appointments.reminders import remind_all
from tests.booking_helpers import (
    CANCEL,
    CHECK_IN,
    COMPLETE,
    NO_SHOW,
    TIME_OFF,
    book,
    codes,
    customer_token,
    iso,
    local,
    mutate,
    next_weekday,
    ok,
    pk,
    salon,
)
from tests.concurrency import assert_ledger_consistent, on_postgres
from tests.support import GraphQL, create_customer

AWARD = """mutation($input: AwardPointsInput!) { awardPoints(input: $input) { errors { code } } }"""
STATS = """query($f: DateTime!, $t: DateTime!) { appointmentStats(from: $f, to: $t) {
  stores { store { code } staffMember { name } appointments completed noShows cancelled
           noShowRate bookedMinutes scheduledMinutes utilisation }
  staff { staffMember { name } appointments noShows noShowRate bookedMinutes scheduledMinutes
          utilisation } } }"""
BOARD = """query($store: ID!, $f: DateTime!, $t: DateTime!) {
  appointments(filter: {storeId: $store, from: $f, to: $t}) {
    totalCount edges { node { status startsAt customer { name } } } } }"""
MINE = """query($id: ID!) { customer(id: $id) {
  appointments { totalCount edges { node { status } } } timeline { kind summary } } }"""


async def _started(appointment_id: str, minutes_ago: int = 30) -> None:
    """Move a booked appointment into the past (the clock of a test cannot wait)."""
    row = await Appointment.get(id=pk(appointment_id, "Appointment"))
    start = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    length = row.blocks_until - row.starts_at
    row.starts_at, row.ends_at, row.blocks_until = start, start + timedelta(hours=1), start + length
    await row.save()


async def _award(gql: GraphQL, token: str, customer: str, points: int) -> None:
    values = {"customerId": customer, "points": points, "reason": "welcome"}
    body = await gql.data(AWARD, {"input": values}, token)
    assert body["awardPoints"]["errors"] == []


async def test_check_in_and_complete_records_the_purchase_once(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    booked = (await book(gql, s, local(next_weekday(1), 10)))["appointment"]
    action = {"appointmentId": booked["id"]}
    assert codes(await mutate(gql, COMPLETE, action, s.token)) == ["INVALID_TRANSITION"]
    assert (await ok(gql, CHECK_IN, action, s.token))["appointment"]["status"] == "CHECKED_IN"
    assert codes(await mutate(gql, CHECK_IN, action, s.token)) == ["INVALID_TRANSITION"]
    await _started(booked["id"])
    done = await ok(gql, COMPLETE, {**action, "recordPurchase": True}, s.token)
    assert done["appointment"]["status"] == "COMPLETED"
    purchase = await Purchase.get(id=pk(done["appointment"]["purchaseId"], "Purchase"))
    assert (str(purchase.amount), purchase.external_id) == (
        "100.00",
        f"appointment:{pk(booked['id'], 'Appointment')}",
    )
    assert purchase.store_id == pk(s.store, "Store")
    assert codes(await mutate(gql, COMPLETE, action, s.token)) == ["INVALID_TRANSITION"]
    assert await Purchase.all().count() == 1


async def test_no_shows_cost_points_and_suspend_online_booking(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(
        gql, settings, policy={"noShowLimit": 2, "noShowPenaltyPoints": 50, "noShowWindowDays": 30}
    )
    await _award(gql, s.token, s.customer, 80)
    mine = await customer_token(gql, s)
    day = next_weekday(2)
    first = (await book(gql, s, local(day, 10), token=mine))["appointment"]
    second = (await book(gql, s, local(day, 12), token=mine))["appointment"]
    assert codes(await mutate(gql, NO_SHOW, {"appointmentId": first["id"]}, s.token)) == [
        "INVALID_TRANSITION"  # not started yet
    ]
    await _started(first["id"])
    missed = await ok(gql, NO_SHOW, {"appointmentId": first["id"]}, s.token)
    assert missed["appointment"] == {"id": first["id"], "status": "NO_SHOW", "penaltyPoints": 50}
    assert codes(await mutate(gql, NO_SHOW, {"appointmentId": first["id"]}, s.token)) == [
        "INVALID_TRANSITION"  # and never charged twice
    ]
    await _started(second["id"], minutes_ago=200)
    missed = await ok(gql, NO_SHOW, {"appointmentId": second["id"]}, s.token)
    assert missed["appointment"]["penaltyPoints"] == 30  # all that was left: never below zero
    customer = pk(s.customer, "Customer")
    penalties = await PointsTransaction.filter(customer_id=customer, kind="ADJUST").order_by("id")
    assert [p.amount for p in penalties] == [-50, -30]
    await assert_ledger_consistent(customer)
    # two no-shows within 30 days: online booking is suspended, the store can still book
    assert codes(await book(gql, s, local(day, 14), token=mine)) == ["BOOKING_SUSPENDED"]
    assert (await book(gql, s, local(day, 14)))["errors"] == []
    # the missed slots were given back
    assert await Appointment.filter(holds_slot=True).count() == 1


async def test_late_cancellation(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings, policy={"lateCancelHours": 24, "lateCancelPenaltyPoints": 10})
    await _award(gql, s.token, s.customer, 100)
    mine = await customer_token(gql, s)
    day = next_weekday(3)
    early = (await book(gql, s, local(day, 10), token=mine))["appointment"]
    cancelled = await ok(gql, CANCEL, {"appointmentId": early["id"]}, mine)
    assert cancelled["appointment"]["lateCancellation"] is False
    assert cancelled["appointment"]["penaltyPoints"] == 0
    late = (await book(gql, s, local(day, 12), token=mine))["appointment"]
    row = await Appointment.get(id=pk(late["id"], "Appointment"))
    soon = datetime.now(UTC) + timedelta(hours=2)
    row.starts_at, row.ends_at, row.blocks_until = (
        soon,
        soon + timedelta(hours=1),
        soon + timedelta(minutes=75),
    )
    await row.save()
    # a customer cannot waive the penalty
    cancelled = await ok(gql, CANCEL, {"appointmentId": late["id"], "waivePenalty": True}, mine)
    assert cancelled["appointment"]["lateCancellation"] is True
    assert cancelled["appointment"]["penaltyPoints"] == 10
    assert codes(await mutate(gql, CANCEL, {"appointmentId": late["id"]}, mine)) == [
        "INVALID_TRANSITION"
    ]
    # staff may waive it
    third = (await book(gql, s, local(day, 14)))["appointment"]
    row = await Appointment.get(id=pk(third["id"], "Appointment"))
    row.starts_at, row.ends_at, row.blocks_until = (
        soon + timedelta(hours=2),
        soon + timedelta(hours=3),
        soon + timedelta(hours=3),
    )
    await row.save()
    waived = await ok(gql, CANCEL, {"appointmentId": third["id"], "waivePenalty": True}, s.token)
    assert (waived["appointment"]["lateCancellation"], waived["appointment"]["penaltyPoints"]) == (
        True,
        0,
    )
    await assert_ledger_consistent(pk(s.customer, "Customer"))


async def test_reminders_are_emitted_once(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings, policy={"reminderHours": 24})
    day = next_weekday(4)
    due = (await book(gql, s, local(day, 10)))["appointment"]
    later = (await book(gql, s, local(day, 13)))["appointment"]
    cancelled = (await book(gql, s, local(day, 15)))["appointment"]
    await ok(gql, CANCEL, {"appointmentId": cancelled["id"]}, s.token)
    for appointment, hours in ((due, 5), (later, 30), (cancelled, 6)):
        row = await Appointment.get(id=pk(appointment["id"], "Appointment"))
        start = datetime.now(UTC) + timedelta(hours=hours)
        row.starts_at, row.ends_at, row.blocks_until = (
            start,
            start + timedelta(hours=1),
            start + timedelta(minutes=75),
        )
        await row.save()
    now = datetime.now(UTC)
    runs = [remind_all(now) for _ in range(4)]
    if on_postgres():
        counts = await asyncio.gather(*runs)  # concurrent runs: still one reminder
    else:
        counts = [await run for run in runs]
    assert sorted(c.get("salon", 0) for c in counts) == [0, 0, 0, 1]
    events = await OutboxEvent.filter(type="appointment.reminder_due")
    assert [(e.subject_id, e.customer_id) for e in events] == [
        (str(pk(due["id"], "Appointment")), pk(s.customer, "Customer"))
    ]
    assert events[0].payload["store"] == pk(s.store, "Store")
    # a reschedule clears the mark: the new time gets its own reminder when it is due
    assert (await remind_all(now + timedelta(hours=7)))["salon"] == 1  # `later` is due now
    assert (await remind_all(now + timedelta(hours=8)))["salon"] == 0


async def test_board_customer_view_timeline_and_stats(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings)
    other = (await create_customer(gql, s.token, name="Wang"))["id"]
    day = next_weekday(1)
    a = (await book(gql, s, local(day, 10)))["appointment"]
    b = (await book(gql, s, local(day, 12), customerId=other))["appointment"]
    c = (await book(gql, s, local(day, 14)))["appointment"]
    await ok(gql, CANCEL, {"appointmentId": c["id"]}, s.token)
    board = (
        await gql.data(
            BOARD,
            {"store": s.store, "f": iso(local(day, 0)), "t": iso(local(day, 23))},
            s.token,
        )
    )["appointments"]
    assert board["totalCount"] == 3
    assert [(e["node"]["customer"]["name"], e["node"]["status"]) for e in board["edges"]] == [
        ("Li", "BOOKED"),
        ("Wang", "BOOKED"),
        ("Li", "CANCELLED"),
    ]
    # a customer's token lists only their own
    mine = await customer_token(gql, s)
    own = await gql.data(
        BOARD, {"store": s.store, "f": iso(local(day, 0)), "t": iso(local(day, 23))}, mine
    )
    assert own["appointments"]["totalCount"] == 2
    view = (await gql.data(MINE, {"id": s.customer}, s.token))["customer"]
    assert view["appointments"]["totalCount"] == 2
    kinds = [e["kind"] for e in view["timeline"]]
    assert "APPOINTMENT" in kinds
    # stats over Monday (London): Li a no-show, Wang completed, one cancelled
    await _started(a["id"])
    await _started(b["id"], 120)
    await ok(gql, NO_SHOW, {"appointmentId": a["id"]}, s.token)
    await ok(gql, COMPLETE, {"appointmentId": b["id"]}, s.token)
    for appointment, hour in ((a, 10), (b, 12)):  # back to their Monday slots
        row = await Appointment.get(id=pk(appointment["id"], "Appointment"))
        row.starts_at, row.ends_at = local(day, hour), local(day, hour + 1)
        row.blocks_until = local(day, hour + 1, 15)
        await row.save()
    off = {"staffId": s.stylist, "startsAt": iso(local(day, 16)), "endsAt": iso(local(day, 17))}
    await ok(gql, TIME_OFF, off, s.token)
    window = {"f": iso(local(day, 0)), "t": iso(local(day + timedelta(days=1), 0))}
    stats = (await gql.data(STATS, window, s.token))["appointmentStats"]
    expected = {
        "appointments": 3,
        "completed": 1,
        "noShows": 1,
        "cancelled": 1,
        "noShowRate": 50.0,
        "bookedMinutes": 60,  # Wang's hour: the no-show and the cancellation used nothing
        "scheduledMinutes": 360,  # 10:00-17:00 (the store closes at 17:00) less an hour off
        "utilisation": 16.7,
    }
    [store] = stats["stores"]
    assert store == {"store": {"code": "LDN-1"}, "staffMember": None, **expected}
    [ana] = stats["staff"]
    assert ana["staffMember"] == {"name": "Ana"}
    assert (ana["noShowRate"], ana["utilisation"], ana["scheduledMinutes"]) == (50.0, 16.7, 360)


MERGE = """mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  customer { id } errors { code } } }"""


async def test_appointments_follow_a_merged_customer(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings)
    duplicate = (await create_customer(gql, s.token, name="Li (app)"))["id"]
    booked = await book(gql, s, local(next_weekday(2), 10), customerId=duplicate)
    merged = await gql.data(
        MERGE, {"input": {"sourceId": duplicate, "targetId": s.customer}}, s.token
    )
    assert merged["mergeCustomers"]["errors"] == []
    row = await Appointment.get(id=pk(booked["appointment"]["id"], "Appointment"))
    assert row.customer_id == pk(s.customer, "Customer")
