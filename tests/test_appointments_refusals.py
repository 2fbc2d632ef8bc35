"""Every refusal of the booking API has its code, and writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from config import Settings
from models import AuditEntry
from models.appointments import Appointment
from models.events import OutboxEvent
from resolvers.ids import to_global_id
from tests.booking_helpers import (
    ASSIGN,
    BOOK,
    CANCEL,
    CHECK_IN,
    CREATE_SERVICE,
    CREATE_STAFF,
    CREATE_STORE,
    NO_SHOW,
    RESCHEDULE,
    TIME_OFF,
    book,
    codes,
    customer_token,
    iso,
    local,
    mutate,
    next_weekday,
    ok,
    salon,
)
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand


async def test_booking_refusals(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings, policy={"bookingWindowDays": 20})
    day = next_weekday(2)
    other_brand = await make_brand("elsewhere")
    other_token = await app_token(settings, other_brand)
    theirs = await ok(
        gql, CREATE_STORE, {"code": "X", "name": "X", "timezone": "Europe/London"}, other_token
    )
    their_customer = (await create_customer(gql, other_token, name="Zhao"))["id"]
    colourist = await ok(gql, CREATE_STAFF, {"name": "Bo", "skills": ["colour"]}, s.token)
    await ok(
        gql,
        ASSIGN,
        {
            "staffId": colourist["staffMember"]["id"],
            "storeId": s.store,
            "role": "COLOURIST",
            "schedule": [{"weekday": 3, "opens": "10:00", "closes": "18:00"}],
        },
        s.token,
    )
    at = local(day, 10)
    base = {
        "storeId": s.store,
        "serviceId": s.haircut,
        "staffId": s.stylist,
        "customerId": s.customer,
        "startsAt": iso(at),
    }
    cases = [
        ({"storeId": theirs["store"]["id"]}, "NOT_FOUND", "storeId"),
        ({"storeId": to_global_id("Store", 999)}, "NOT_FOUND", "storeId"),
        ({"storeId": "not an id"}, "INVALID", "storeId"),
        ({"serviceId": to_global_id("BookableService", 999)}, "NOT_FOUND", "serviceId"),
        ({"staffId": to_global_id("StaffMember", 999)}, "NOT_FOUND", "staffId"),
        ({"staffId": colourist["staffMember"]["id"]}, "NOT_ELIGIBLE", "staffId"),
        ({"customerId": their_customer}, "NOT_FOUND", "customerId"),
        ({"startsAt": iso(local(day, 10, 10))}, "SLOT_UNAVAILABLE", "startsAt"),  # off the grid
        ({"startsAt": iso(local(day, 16))}, "SLOT_UNAVAILABLE", "startsAt"),  # ends after 17:00
        ({"startsAt": iso(local(day + timedelta(days=4), 10))}, "SLOT_UNAVAILABLE", "startsAt"),
        ({"startsAt": iso(local(day - timedelta(days=30), 10))}, "SLOT_UNAVAILABLE", "startsAt"),
        (
            {"startsAt": iso(local(day + timedelta(days=28), 10))},
            "OUTSIDE_BOOKING_WINDOW",
            "startsAt",
        ),
        ({"startsAt": "2030-01-01T10:00:00"}, "INVALID", "startsAt"),  # no offset
        ({"note": "x" * 501}, "TOO_LONG", "note"),
    ]
    for change, code, field in cases:
        payload = await mutate(gql, BOOK, {**base, **change}, s.token)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)], change
    # staff and partners must name the customer
    missing = {k: v for k, v in base.items() if k != "customerId"}
    assert codes(await mutate(gql, BOOK, missing, s.token)) == ["REQUIRED"]
    # a customer token books for itself only
    mine = await customer_token(gql, s)
    stranger = (await create_customer(gql, s.token, name="Stranger"))["id"]
    assert codes(await mutate(gql, BOOK, {**base, "customerId": stranger}, mine)) == ["NOT_FOUND"]
    # time off makes the slot unavailable
    off = {"staffId": s.stylist, "startsAt": iso(local(day, 9)), "endsAt": iso(local(day, 11))}
    await ok(gql, TIME_OFF, off, s.token)
    assert codes(await mutate(gql, BOOK, base, s.token)) == ["SLOT_UNAVAILABLE"]
    assert await Appointment.all().count() == 0
    assert await OutboxEvent.filter(type__startswith="appointment.").count() == 0
    assert await AuditEntry.filter(operation="bookAppointment").count() == 0
    # a closed store takes no bookings
    from tests.booking_helpers import UPDATE_STORE

    await ok(gql, UPDATE_STORE, {"id": s.store, "status": "CLOSED"}, s.token)
    assert codes(await book(gql, s, local(day, 14))) == ["SLOT_UNAVAILABLE"]


async def test_life_cycle_refusals_and_permissions(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings, policy={"lateCancelHours": 24})
    day = next_weekday(3)
    booked = (await book(gql, s, local(day, 10)))["appointment"]
    action = {"appointmentId": booked["id"]}
    other = (await create_customer(gql, s.token, name="Wang"))["id"]
    theirs = await customer_token(gql, s, other)
    # another customer's appointment is not found, whatever they try
    for query in (CANCEL, RESCHEDULE):
        values = {**action, "startsAt": iso(local(day, 12))} if query == RESCHEDULE else action
        assert codes(await mutate(gql, query, values, theirs)) == ["NOT_FOUND"]
    # staff actions are not for customer tokens
    body = await gql.post(CHECK_IN, {"input": action}, await customer_token(gql, s))
    assert error_codes(body) == ["FORBIDDEN"]
    # a partner without appointments:write cannot book
    reader = await app_token(settings, s.brand, "appointments:read customers:read")
    body = await gql.post(
        BOOK,
        {
            "input": {
                "storeId": s.store,
                "serviceId": s.haircut,
                "staffId": s.stylist,
                "startsAt": iso(local(day, 12)),
                "customerId": s.customer,
            }
        },
        reader,
    )
    assert error_codes(body) == ["FORBIDDEN"]
    # no token at all
    assert error_codes(await gql.post(CHECK_IN, {"input": action})) == ["UNAUTHENTICATED"]
    # the state machine
    assert codes(await mutate(gql, NO_SHOW, action, s.token)) == ["INVALID_TRANSITION"]
    await ok(gql, CANCEL, action, s.token)
    for query in (CHECK_IN, NO_SHOW, CANCEL):
        assert codes(await mutate(gql, query, action, s.token)) == ["INVALID_TRANSITION"]
    moved = await mutate(gql, RESCHEDULE, {**action, "startsAt": iso(local(day, 12))}, s.token)
    assert codes(moved) == ["INVALID_TRANSITION"]
    # a customer cannot move an appointment inside the late-change window
    mine = await customer_token(gql, s)
    soon = (await book(gql, s, local(day, 14)))["appointment"]
    row = await Appointment.get(status="BOOKED")
    from datetime import UTC, datetime

    start = datetime.now(UTC) + timedelta(hours=3)
    row.starts_at, row.ends_at, row.blocks_until = (
        start,
        start + timedelta(hours=1),
        start + timedelta(hours=1),
    )
    await row.save()
    late = await mutate(
        gql, RESCHEDULE, {"appointmentId": soon["id"], "startsAt": iso(local(day, 12))}, mine
    )
    assert codes(late) == ["LATE_CHANGE"]
    # bad ids and ranges in queries are BAD_USER_INPUT
    body = await gql.post('{ appointment(id: "nope") { id } }', token=s.token)
    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_store_and_catalogue_refusals(gql: GraphQL, settings: Settings) -> None:
    s = await salon(gql, settings)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"code": "LDN-1", "name": "again"}, "DUPLICATE"),
        ({"code": "N", "name": "n", "timezone": "Mars/Olympus"}, "INVALID"),
        ({"code": "N", "name": ""}, "REQUIRED"),
        ({"code": "N" * 101, "name": "n"}, "TOO_LONG"),
        (
            {
                "code": "N",
                "name": "n",
                "openingHours": [{"weekday": 8, "opens": "09:00", "closes": "10:00"}],
            },
            "INVALID",
        ),
        (
            {
                "code": "N",
                "name": "n",
                "openingHours": [{"weekday": 1, "opens": "10:00", "closes": "09:00"}],
            },
            "INVALID",
        ),
        (
            {
                "code": "N",
                "name": "n",
                "openingHours": [{"weekday": 1, "opens": "9h", "closes": "10:00"}],
            },
            "INVALID",
        ),
        (
            {
                "code": "N",
                "name": "n",
                "openingHours": [
                    {"weekday": 1, "opens": "09:00", "closes": "12:00"},
                    {"weekday": 1, "opens": "11:00", "closes": "13:00"},
                ],
            },
            "INVALID",
        ),
        ({"code": "N", "name": "n", "status": "MAYBE"}, "INVALID"),
    ]
    for values, code in cases:
        assert codes(await mutate(gql, CREATE_STORE, values, s.token)) == [code], values
    services = [
        ({"code": "CUT", "name": "again", "durationMinutes": 30, "price": "1"}, "DUPLICATE"),
        ({"code": "S", "name": "s", "durationMinutes": 2, "price": "1"}, "INVALID"),
        ({"code": "S", "name": "s", "durationMinutes": 30, "price": "-1"}, "INVALID"),
        (
            {
                "code": "S",
                "name": "s",
                "durationMinutes": 30,
                "price": "1",
                "memberPrices": [{"tier": "Diamond", "price": "1"}],
            },
            "UNKNOWN_TIER",
        ),
        (
            {"code": "S", "name": "s", "durationMinutes": 30, "price": "1", "bufferMinutes": 999},
            "INVALID",
        ),
    ]
    for values, code in services:
        assert codes(await mutate(gql, CREATE_SERVICE, values, s.token)) == [code], values
    # a partner without stores:write
    reader = await app_token(settings, s.brand, "stores:read")
    body = await gql.post(CREATE_STORE, {"input": {"code": "Y", "name": "Y"}}, reader)
    assert error_codes(body) == ["FORBIDDEN"]
