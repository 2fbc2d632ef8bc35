"""A salon in London through the API: a store, a stylist, a haircut, and helpers to book.

The week: the store opens Monday to Saturday 09:00-17:00; the stylist works Monday to
Friday 10:00-18:00; a haircut takes 60 minutes plus a 15-minute buffer; slots every 30
minutes. So a weekday's slots start 10:00, 10:30 ... 15:30 (the haircut and its buffer must
end by 17:00): 12 slots.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from config import Settings
from models import Brand
from resolvers.ids import decode_id
from tests.support import GraphQL, app_token, create_customer, make_brand

LONDON = ZoneInfo("Europe/London")

CREATE_STORE = """mutation($input: CreateStoreInput!) { createStore(input: $input) {
  store { id code name timezone status openingHours { weekday opens closes }
          exceptions { date closed hours { opens closes } } }
  errors { field code message relatedId } } }"""
UPDATE_STORE = """mutation($input: UpdateStoreInput!) { updateStore(input: $input) {
  store { id code name status timezone } errors { field code message } } }"""
CREATE_STAFF = """mutation($input: CreateStaffMemberInput!) { createStaffMember(input: $input) {
  staffMember { id name skills active } errors { field code message } } }"""
ASSIGN = """mutation($input: AssignStaffInput!) { assignStaff(input: $input) {
  assignment { role schedule { weekday opens closes } store { code } staffMember { name } }
  errors { field code message } } }"""
TIME_OFF = """mutation($input: AddStaffTimeOffInput!) { addStaffTimeOff(input: $input) {
  timeOff { id startsAt endsAt reason } errors { field code message } } }"""
CREATE_SERVICE = """mutation($input: CreateBookableServiceInput!) {
  createBookableService(input: $input) {
    service { id code name durationMinutes bufferMinutes price memberPrices { tier price } skills }
    errors { field code message } } }"""
CONFIGURE = """mutation($input: ConfigureBookingInput!) { configureBooking(input: $input) {
  policy { slotMinutes bookingWindowDays priorityWindowDays noShowLimit }
  errors { field code } } }"""
SLOTS = """query($store: ID!, $service: ID!, $staff: ID, $from: DateTime!, $to: DateTime!,
  $customer: ID, $first: Int) {
  availableSlots(storeId: $store, serviceId: $service, staffId: $staff, from: $from, to: $to,
    customerId: $customer, first: $first) { staffId startsAt endsAt priorityOnly } }"""
APPOINTMENT_FIELDS = """id status startsAt endsAt price tier online prioritySlot lateCancellation
  penaltyPoints reschedules purchaseId store { code } staffMember { name } service { code }
  customer { id }"""
BOOK = (
    """mutation($input: BookAppointmentInput!) { bookAppointment(input: $input) {
  appointment { """
    + APPOINTMENT_FIELDS
    + """ } errors { field code message } } }"""
)
RESCHEDULE = (
    """mutation($input: RescheduleAppointmentInput!) { rescheduleAppointment(input: $input) {
  appointment { """
    + APPOINTMENT_FIELDS
    + """ } errors { field code message } } }"""
)
CANCEL = """mutation($input: CancelAppointmentInput!) { cancelAppointment(input: $input) {
  appointment { id status lateCancellation penaltyPoints } errors { field code message } } }"""
CHECK_IN = """mutation($input: AppointmentActionInput!) { checkInAppointment(input: $input) {
  appointment { id status } errors { field code message } } }"""
COMPLETE = """mutation($input: CompleteAppointmentInput!) { completeAppointment(input: $input) {
  appointment { id status purchaseId } errors { field code message } } }"""
NO_SHOW = """mutation($input: AppointmentActionInput!) { markNoShow(input: $input) {
  appointment { id status penaltyPoints } errors { field code message } } }"""
SET_TIER = """mutation($input: SetMemberTierInput!) { setMemberTier(input: $input) {
  membership { tier { name } } errors { code } } }"""
ISSUE_TOKEN = """mutation($id: ID!) { issueCustomerToken(input: {customerId: $id}) { token } }"""

WEEKDAYS_9_TO_5 = [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(1, 7)]
STYLIST_WEEK = [{"weekday": d, "opens": "10:00", "closes": "18:00"} for d in range(1, 6)]


@dataclass
class Salon:
    brand: Brand
    token: str
    store: str
    stylist: str
    haircut: str
    customer: str


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


def iso(moment: datetime) -> str:
    return moment.isoformat()


def next_weekday(weekday: int, at_least_days: int = 3) -> date:
    """The first date with ISO `weekday` at least `at_least_days` from today (London)."""
    day = datetime.now(LONDON).date() + timedelta(days=at_least_days)
    while day.isoweekday() != weekday:
        day += timedelta(days=1)
    return day


async def mutate(gql: GraphQL, query: str, values: dict[str, Any], token: str) -> dict[str, Any]:
    data = await gql.data(query, {"input": values}, token)
    payload: dict[str, Any] = next(iter(data.values()))
    return payload


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def ok(gql: GraphQL, query: str, values: dict[str, Any], token: str) -> dict[str, Any]:
    payload = await mutate(gql, query, values, token)
    assert payload["errors"] == [], payload["errors"]
    return payload


async def salon(
    gql: GraphQL, settings: Settings, slug: str = "salon", policy: dict[str, Any] | None = None
) -> Salon:
    brand = await make_brand(slug)
    token = await app_token(settings, brand)
    store = await ok(
        gql,
        CREATE_STORE,
        {
            "code": "LDN-1",
            "name": "Soho",
            "city": "London",
            "timezone": "Europe/London",
            "openingHours": WEEKDAYS_9_TO_5,
        },
        token,
    )
    stylist = await ok(gql, CREATE_STAFF, {"name": "Ana", "skills": ["cut", "colour"]}, token)
    await ok(
        gql,
        ASSIGN,
        {
            "staffId": stylist["staffMember"]["id"],
            "storeId": store["store"]["id"],
            "role": "STYLIST",
            "schedule": STYLIST_WEEK,
        },
        token,
    )
    haircut = await ok(
        gql,
        CREATE_SERVICE,
        {
            "code": "CUT",
            "name": "Haircut",
            "durationMinutes": 60,
            "bufferMinutes": 15,
            "price": "100.00",
            "memberPrices": [{"tier": "Gold", "price": "80.00"}],
            "skills": ["cut"],
        },
        token,
    )
    await ok(gql, CONFIGURE, {"slotMinutes": 30, **(policy or {})}, token)
    customer = await create_customer(gql, token, name="Li", phone="13800138000")
    return Salon(
        brand,
        token,
        store["store"]["id"],
        stylist["staffMember"]["id"],
        haircut["service"]["id"],
        customer["id"],
    )


async def slots(
    gql: GraphQL, s: Salon, frm: datetime, to: datetime, token: str | None = None, **extra: Any
) -> list[dict[str, Any]]:
    values = {
        "store": s.store,
        "service": s.haircut,
        "from": iso(frm),
        "to": iso(to),
        **extra,
    }
    found: list[dict[str, Any]] = (await gql.data(SLOTS, values, token or s.token))[
        "availableSlots"
    ]
    return found


def starts(found: list[dict[str, Any]]) -> list[str]:
    """Slot starts as local HH:MM (in the zone of the answer's own offset)."""
    return [datetime.fromisoformat(x["startsAt"]).strftime("%H:%M") for x in found]


async def book(
    gql: GraphQL, s: Salon, at: datetime, token: str | None = None, **extra: Any
) -> dict[str, Any]:
    values = {
        "storeId": s.store,
        "serviceId": s.haircut,
        "staffId": s.stylist,
        "startsAt": iso(at),
        **({"customerId": s.customer} if token is None else {}),
        **extra,
    }
    return await mutate(gql, BOOK, values, token or s.token)


async def customer_token(gql: GraphQL, s: Salon, customer_id: str | None = None) -> str:
    data = await gql.data(ISSUE_TOKEN, {"id": customer_id or s.customer}, s.token)
    token: str = data["issueCustomerToken"]["token"]
    return token


async def make_tier(gql: GraphQL, s: Salon, customer_id: str, tier: str) -> None:
    payload = await mutate(gql, SET_TIER, {"customerId": customer_id, "tier": tier}, s.token)
    assert payload["errors"] == [] and payload["membership"]["tier"]["name"] == tier


def pk(global_id: str, type_name: str) -> int:
    return decode_id(global_id, type_name)


def utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
