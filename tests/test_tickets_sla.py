from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cli.service import sweep
from config import Settings
from models.events import OutboxEvent
from models.tickets import Ticket
from services.tickets.sla import BusinessHours, Clock, add_working_time, working_seconds
from tests.support import GraphQL
from tests.ticket_helpers import REPLY, SET_SLA, move, open_ticket, setup_brand

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = BusinessHours(9 * 60, 18 * 60, frozenset({1, 2, 3, 4, 5}), SHANGHAI)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


def test_wall_clock_due_time() -> None:
    start = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert add_working_time(start, 3600, None) == start + timedelta(hours=1)
    assert working_seconds(start, start + timedelta(hours=2), None) == 7200


def test_business_hours_skip_nights_and_weekends() -> None:
    friday_5pm = local(2026, 3, 6, 17, 0)  # a Friday
    # two working hours: one on Friday, one on Monday morning
    assert add_working_time(friday_5pm, 7200, HOURS) == local(2026, 3, 9, 10, 0)
    saturday = local(2026, 3, 7, 12, 0)
    assert add_working_time(saturday, 1800, HOURS) == local(2026, 3, 9, 9, 30)
    assert working_seconds(friday_5pm, local(2026, 3, 9, 10, 0), HOURS) == 7200
    assert working_seconds(local(2026, 3, 9, 10, 0), friday_5pm, HOURS) == -7200


def test_pause_keeps_the_remaining_time_and_resume_restarts_it() -> None:
    opened = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    clock = Clock(due=opened + timedelta(hours=4), remaining_seconds=None, breached=False)
    clock.stop(opened + timedelta(hours=1), None)  # pending on the customer after 1 h
    assert clock.remaining_seconds == 3 * 3600
    assert not clock.is_breached(opened + timedelta(days=5))  # a paused clock never runs out
    clock.resume(opened + timedelta(days=2), None)
    assert clock.due == opened + timedelta(days=2, hours=3)
    assert not clock.is_breached(opened + timedelta(days=2, hours=2))
    assert clock.is_breached(opened + timedelta(days=2, hours=4))


def test_stopping_late_records_the_breach() -> None:
    opened = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    clock = Clock(due=opened + timedelta(hours=1), remaining_seconds=None, breached=False)
    clock.stop(opened + timedelta(hours=2), None)
    assert clock.breached and clock.remaining_seconds == 0


def test_business_hours_pause_over_a_weekend() -> None:
    clock = Clock(due=local(2026, 3, 6, 18, 0), remaining_seconds=None, breached=False)
    clock.stop(local(2026, 3, 6, 16, 0), HOURS)  # two working hours left on Friday
    clock.resume(local(2026, 3, 8, 20, 0), HOURS)  # the customer answers on Sunday night
    assert clock.due == local(2026, 3, 9, 11, 0)


async def test_due_times_pause_and_resume_through_the_api(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    policy = {"severity": "HIGH", "firstResponseMinutes": 60, "resolutionMinutes": 240}
    assert (await gql.data(SET_SLA, {"input": policy}, token))["setSlaPolicy"]["errors"] == []
    ticket = await open_ticket(gql, token, customer["id"], severity="HIGH")
    row = await Ticket.get()
    assert row.first_response_due is not None and row.resolution_due is not None
    assert row.resolution_due - row.first_response_due == timedelta(hours=3)
    assert ticket["firstResponseDueAt"].endswith("+08:00")
    assert ticket["firstResponseBreached"] is False
    unconfigured = await open_ticket(gql, token, customer["id"], severity="LOW")
    assert unconfigured["firstResponseDueAt"] is None and unconfigured["resolutionDueAt"] is None

    await move(gql, token, ticket["id"], "OPEN")
    paused = (await move(gql, token, ticket["id"], "PENDING_CUSTOMER"))["ticket"]
    assert paused["resolutionClockPaused"] is True and paused["resolutionDueAt"] is None
    row = await Ticket.get(id=row.id)
    remaining = row.resolution_remaining_seconds
    assert remaining is not None and 0 < remaining <= 4 * 3600
    resumed = (await move(gql, token, ticket["id"], "OPEN"))["ticket"]
    assert resumed["resolutionClockPaused"] is False and resumed["resolutionDueAt"] is not None
    row = await Ticket.get(id=row.id)
    assert row.resolution_remaining_seconds is None and not row.resolution_breached
    assert row.resolution_due is not None and row.resolution_due > datetime.now(UTC)


async def test_sla_sweep_marks_breaches_set_based(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    policy = {"severity": "NORMAL", "firstResponseMinutes": 30, "resolutionMinutes": 120}
    await gql.data(SET_SLA, {"input": policy}, token)
    late = await open_ticket(gql, token, customer["id"])
    answered = await open_ticket(gql, token, customer["id"])
    paused = await open_ticket(gql, token, customer["id"])
    await gql.data(REPLY, {"id": answered["id"], "body": "hi"}, token)
    await gql.data(REPLY, {"id": paused["id"], "body": "hi"}, token)
    await move(gql, token, paused["id"], "PENDING_CUSTOMER")

    result = await sweep("acme", datetime.now(UTC) + timedelta(hours=1))
    rows = {t.id: t for t in await Ticket.all()}
    ids = sorted(rows)
    assert result == {"firstResponse": [ids[0]], "resolution": []}
    result = await sweep("acme", datetime.now(UTC) + timedelta(hours=3))
    # the paused ticket's clock does not run; the answered one is late on resolution
    assert result == {"firstResponse": [], "resolution": [ids[0], ids[1]]}
    rows = {t.id: t for t in await Ticket.all()}
    assert rows[ids[0]].first_response_breached and rows[ids[0]].resolution_breached
    assert not rows[ids[2]].resolution_breached
    assert await OutboxEvent.filter(type="ticket.sla_breached").count() == 3
    assert await sweep("acme", datetime.now(UTC) + timedelta(hours=3)) == {
        "firstResponse": [],
        "resolution": [],
    }
    query = """query($b: Boolean) { tickets(filter: {breached: $b}) { totalCount } }"""
    assert (await gql.data(query, {"b": True}, token))["tickets"]["totalCount"] == 2
    assert (await gql.data(query, {"b": False}, token))["tickets"]["totalCount"] == 1
    assert late["id"]


async def test_business_hours_policy_needs_brand_hours(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    policy = {
        "severity": "URGENT",
        "firstResponseMinutes": 60,
        "resolutionMinutes": 480,
        "businessHours": True,
    }
    body = (await gql.data(SET_SLA, {"input": policy}, token))["setSlaPolicy"]
    assert body["errors"] == [{"field": "businessHours", "code": "INVALID"}]
    configure = """mutation { configureTickets(input: {businessHours: {startMinute: 540,
      endMinute: 1080, weekdays: [1, 2, 3, 4, 5]}}) { errors { code } } }"""
    assert (await gql.data(configure, token=token))["configureTickets"]["errors"] == []
    body = (await gql.data(SET_SLA, {"input": policy}, token))["setSlaPolicy"]
    assert body["errors"] == []
    await open_ticket(gql, token, customer["id"], severity="URGENT")
    row = await Ticket.get()
    assert row.sla_business_hours and row.first_response_due is not None
    local_due = row.first_response_due.astimezone(SHANGHAI)
    assert local_due.isoweekday() <= 5 and 9 <= local_due.hour <= 18
