"""Reopening within the window resumes the clock; late answers emit ticket.sla_breached once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from cli.service import sweep
from config import Settings
from models import AuditEntry
from models.events import OutboxEvent
from models.tickets import Ticket
from resolvers.ids import decode_id
from services.tickets.sla import BusinessHours, add_working_time
from tests.support import GraphQL
from tests.ticket_helpers import REPLY, RESOLVE, SET_SLA, move, open_ticket, setup_brand

HOURS = {"startMinute": 540, "endMinute": 1080, "weekdays": [1, 2, 3, 4, 5]}


async def test_reopen_within_the_window_resumes_the_resolution_clock(
    gql: GraphQL, settings: Settings
) -> None:
    _, token, customer = await setup_brand(gql, settings, reopenDays=7)
    policy = {"severity": "NORMAL", "firstResponseMinutes": 60, "resolutionMinutes": 600}
    await gql.data(SET_SLA, {"input": policy}, token)
    ticket = await open_ticket(gql, token, customer["id"])
    pk = decode_id(ticket["id"], "Ticket")
    await move(gql, token, ticket["id"], "OPEN")
    assert (await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token))[
        "resolveTicket"
    ]["errors"] == []
    stopped = await Ticket.get(id=pk)
    remaining = stopped.resolution_remaining_seconds
    assert remaining is not None and 0 < remaining <= 600 * 60

    before = datetime.now(UTC)
    reopened = (await move(gql, token, ticket["id"], "OPEN"))["ticket"]
    assert reopened["status"] == "OPEN" and reopened["resolutionDueAt"] is not None
    row = await Ticket.get(id=pk)
    assert row.resolved_at is None and row.resolution_remaining_seconds is None
    assert row.resolution_due is not None
    assert before + timedelta(seconds=remaining) <= row.resolution_due
    assert row.resolution_due <= datetime.now(UTC) + timedelta(seconds=remaining)

    # closed, then reopened again the same day: allowed
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    await move(gql, token, ticket["id"], "CLOSED")
    assert (await move(gql, token, ticket["id"], "OPEN"))["ticket"]["status"] == "OPEN"

    # resolved eight days ago: outside the window, refused, nothing changes
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    await move(gql, token, ticket["id"], "CLOSED")
    await Ticket.filter(id=pk).update(resolved_at=datetime.now(UTC) - timedelta(days=8))
    audits = await AuditEntry.filter(operation="transitionTicket").count()
    late = await move(gql, token, ticket["id"], "OPEN")
    assert [e["code"] for e in late["errors"]] == ["INVALID_TRANSITION"]
    assert "7 days" in late["errors"][0]["message"]
    assert (await Ticket.get(id=pk)).status == "CLOSED"
    assert await AuditEntry.filter(operation="transitionTicket").count() == audits


async def test_a_late_first_reply_emits_sla_breached_once(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    policy = {"severity": "NORMAL", "firstResponseMinutes": 30, "resolutionMinutes": 120}
    await gql.data(SET_SLA, {"input": policy}, token)
    ticket = await open_ticket(gql, token, customer["id"])
    pk = decode_id(ticket["id"], "Ticket")
    past = datetime.now(UTC) - timedelta(minutes=1)
    await Ticket.filter(id=pk).update(first_response_due=past)

    reply = (await gql.data(REPLY, {"id": ticket["id"], "body": "sorry"}, token))["replyToTicket"]
    assert reply["errors"] == []
    breaches = await OutboxEvent.filter(type="ticket.sla_breached")
    assert [(e.subject_id, e.payload["clocks"]) for e in breaches] == [(str(pk), ["firstResponse"])]
    # the sweep does not report an answered clock again; a second reply emits nothing more
    assert await sweep("acme", datetime.now(UTC)) == {"firstResponse": [], "resolution": []}
    await gql.data(REPLY, {"id": ticket["id"], "body": "again"}, token)
    assert await OutboxEvent.filter(type="ticket.sla_breached").count() == 1

    # resolving past the resolution due time records and emits that breach too
    await Ticket.filter(id=pk).update(resolution_due=past)
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    row = await Ticket.get(id=pk)
    assert row.resolution_breached
    last = await OutboxEvent.filter(type="ticket.sla_breached").order_by("-seq").first()
    assert last is not None and last.payload["clocks"] == ["resolution"]


async def test_business_hours_due_times_through_the_api(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings, businessHours=HOURS)
    policy = {
        "severity": "HIGH",
        "firstResponseMinutes": 120,
        "resolutionMinutes": 1080,
        "businessHours": True,
    }
    assert (await gql.data(SET_SLA, {"input": policy}, token))["setSlaPolicy"]["errors"] == []
    ticket = await open_ticket(gql, token, customer["id"], severity="HIGH")
    row = await Ticket.get(id=decode_id(ticket["id"], "Ticket"))
    hours = BusinessHours(540, 1080, frozenset({1, 2, 3, 4, 5}), ZoneInfo(brand.timezone))
    assert row.sla_business_hours
    # computed from the moment of opening, in working time (two working days for 18 hours)
    opened = row.created_at
    for due, minutes in ((row.first_response_due, 120), (row.resolution_due, 1080)):
        expected = add_working_time(opened, minutes * 60, hours)
        assert due is not None and abs((due - expected).total_seconds()) < 5
    assert row.resolution_due is not None
    assert row.resolution_due - opened >= timedelta(hours=18 + 15)  # at least one night


async def test_ticket_stats_medians_and_compliance(gql: GraphQL, settings: Settings) -> None:
    from tests.test_tickets_listing import STATS

    _, token, customer = await setup_brand(gql, settings)
    await gql.data(
        SET_SLA,
        {"input": {"severity": "NORMAL", "firstResponseMinutes": 60, "resolutionMinutes": 600}},
        token,
    )
    ids = [
        decode_id((await open_ticket(gql, token, customer["id"]))["id"], "Ticket") for _ in "abc"
    ]
    opened = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    minutes = timedelta(minutes=1)
    # (first reply after, resolved after, first-response breached, resolution breached)
    shapes = [(10, 100, False, False), (30, 300, False, True), (90, None, True, False)]
    for pk, (reply, resolved, late_reply, late_resolution) in zip(ids, shapes, strict=True):
        await Ticket.filter(id=pk).update(
            created_at=opened,
            first_response_due=opened + 60 * minutes,
            resolution_due=opened + 600 * minutes,
            first_responded_at=opened + reply * minutes,
            resolved_at=opened + resolved * minutes if resolved else None,
            first_response_breached=late_reply,
            resolution_breached=late_resolution,
        )
    stats = (await gql.data(STATS, {}, token))["ticketStats"]
    assert stats["medianFirstResponseSeconds"] == 30 * 60
    assert stats["medianResolutionSeconds"] == (100 + 300) / 2 * 60
    assert stats["firstResponseCompliance"] == 66.7  # 2 of 3 answered in time
    assert stats["resolutionCompliance"] == 50.0  # of the 2 stopped clocks, 1 in time
