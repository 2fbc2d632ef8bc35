"""The session's stores, staff, bookable services and appointments: a salon set up, its week
arranged, four appointments booked and taken through every state (one stays booked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from models.appointments import Appointment
from resolvers.ids import decode_id
from tests.audit_script import Session
from tests.booking_helpers import STYLIST_WEEK, WEEKDAYS_9_TO_5, iso, local, next_weekday


@dataclass(frozen=True)
class Salon:
    store: str
    stylist: str
    haircut: str
    upcoming: str  # the appointment left BOOKED


async def started(appointment_id: str, minutes_ago: int) -> None:
    """Move a booked appointment into the past (the clock of a test cannot wait)."""
    row = await Appointment.get(id=decode_id(appointment_id, "Appointment"))
    start = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    length = row.blocks_until - row.starts_at
    row.starts_at, row.ends_at, row.blocks_until = start, start + timedelta(hours=1), start + length
    await row.save()


async def set_up(s: Session) -> tuple[str, str, str]:
    """(store, stylist, haircut) ids: a London salon, Ana cutting there on weekdays."""
    store = (
        await s.do(
            "createStore",
            "CreateStoreInput",
            {
                "code": "LDN-1",
                "name": "Soho",
                "city": "London",
                "timezone": "Europe/London",
                "openingHours": WEEKDAYS_9_TO_5,
            },
            "store { id }",
        )
    )["store"]["id"]
    await s.do("updateStore", "UpdateStoreInput", {"id": store, "name": "Soho Salon"})
    stylist = (
        await s.do(
            "createStaffMember",
            "CreateStaffMemberInput",
            {"name": "Ana", "skills": ["cut"]},
            "staffMember { id }",
        )
    )["staffMember"]["id"]
    await s.do(
        "updateStaffMember", "UpdateStaffMemberInput", {"id": stylist, "skills": ["cut", "colour"]}
    )
    assignment = {"staffId": stylist, "storeId": store, "role": "STYLIST", "schedule": STYLIST_WEEK}
    await s.do("assignStaff", "AssignStaffInput", assignment)
    haircut = (
        await s.do(
            "createBookableService",
            "CreateBookableServiceInput",
            {
                "code": "CUT",
                "name": "Haircut",
                "durationMinutes": 60,
                "bufferMinutes": 15,
                "price": "100.00",
                "skills": ["cut"],
            },
            "service { id }",
        )
    )["service"]["id"]
    await s.do(
        "updateBookableService", "UpdateBookableServiceInput", {"id": haircut, "price": "90"}
    )
    await s.do(
        "configureBooking", "ConfigureBookingInput", {"slotMinutes": 30, "reminderHours": 24}
    )
    return store, stylist, haircut


async def arrange_the_week(s: Session, store: str, stylist: str) -> None:
    """Time off and a priority hold, each added and taken back."""
    day = next_weekday(4)
    off = {
        "staffId": stylist,
        "startsAt": iso(local(day, 16)),
        "endsAt": iso(local(day, 17)),
        "reason": "dentist",
    }
    time_off = (await s.do("addStaffTimeOff", "AddStaffTimeOffInput", off, "timeOff { id }"))[
        "timeOff"
    ]["id"]
    await s.do("removeStaffTimeOff", "RemoveStaffTimeOffInput", {"id": time_off})
    held = {
        "storeId": store,
        "staffId": stylist,
        "startsAt": iso(local(day, 10)),
        "endsAt": iso(local(day, 12)),
    }
    hold = (await s.do("createPriorityHold", "CreatePriorityHoldInput", held, "hold { id }"))[
        "hold"
    ]["id"]
    await s.do("removePriorityHold", "RemovePriorityHoldInput", {"id": hold})


async def script(s: Session, customer: str) -> Salon:
    store, stylist, haircut = await set_up(s)
    await arrange_the_week(s, store, stylist)
    day = next_weekday(2)

    async def book(hour: int, minute: int) -> str:
        values = {
            "storeId": store,
            "serviceId": haircut,
            "staffId": stylist,
            "startsAt": iso(local(day, hour, minute)),
            "customerId": customer,
        }
        booked = await s.do("bookAppointment", "BookAppointmentInput", values, "appointment { id }")
        appointment_id: str = booked["appointment"]["id"]
        return appointment_id

    times = ((10, 0), (11, 30), (13, 0), (14, 30))
    moved, served, missed, upcoming = [await book(hour, minute) for hour, minute in times]
    later = {"appointmentId": moved, "startsAt": iso(local(day + timedelta(days=1), 10))}
    await s.do("rescheduleAppointment", "RescheduleAppointmentInput", later)
    await s.do("cancelAppointment", "CancelAppointmentInput", {"appointmentId": moved})
    await started(served, minutes_ago=30)
    await s.do("checkInAppointment", "AppointmentActionInput", {"appointmentId": served})
    done = {"appointmentId": served, "recordPurchase": True}
    await s.do("completeAppointment", "CompleteAppointmentInput", done)
    await started(missed, minutes_ago=200)
    await s.do("markNoShow", "AppointmentActionInput", {"appointmentId": missed})
    await s.do("unassignStaff", "UnassignStaffInput", {"staffId": stylist, "storeId": store})
    return Salon(store, stylist, haircut, upcoming)
