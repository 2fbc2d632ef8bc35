from __future__ import annotations

import asyncio

from config import Settings
from models import AuditEntry
from models.tickets import Ticket, TicketMessage
from resolvers.ids import to_global_id
from services.brands import brands
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand
from tests.ticket_helpers import (
    CONFIGURE,
    NOTE,
    OPEN,
    RATE,
    REPLY,
    RESOLVE,
    TICKET,
    move,
    open_ticket,
    setup_brand,
)


async def test_open_and_walk_the_state_machine(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    assert ticket["status"] == "NEW"
    assert ticket["customer"]["id"] == customer["id"]
    assert (await move(gql, token, ticket["id"], "OPEN"))["ticket"]["status"] == "OPEN"
    paused = (await move(gql, token, ticket["id"], "PENDING_CUSTOMER"))["ticket"]
    assert paused["status"] == "PENDING_CUSTOMER"
    resolved = await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "courier"}, token)
    assert resolved["resolveTicket"]["ticket"]["status"] == "RESOLVED"
    assert resolved["resolveTicket"]["ticket"]["rootCause"] == "courier"
    assert (await move(gql, token, ticket["id"], "CLOSED"))["ticket"]["status"] == "CLOSED"
    reopened = await move(gql, token, ticket["id"], "OPEN")
    assert reopened["ticket"]["status"] == "OPEN"


async def test_illegal_transition_changes_nothing(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    audit_rows = await AuditEntry.all().count()
    for to in ("CLOSED", "PENDING_CUSTOMER", "RESOLVED"):
        payload = await move(gql, token, ticket["id"], to)
        assert payload["ticket"] is None
        assert [e["code"] for e in payload["errors"]] == ["INVALID_TRANSITION"], to
    assert (await Ticket.get()).status == "NEW"
    assert await AuditEntry.all().count() == audit_rows
    body = await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "courier"}, token)
    assert body["resolveTicket"]["errors"][0]["code"] == "INVALID_TRANSITION"


async def test_reopen_window(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings, reopenDays=0)
    ticket = await open_ticket(gql, token, customer["id"])
    await move(gql, token, ticket["id"], "OPEN")
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    payload = await move(gql, token, ticket["id"], "OPEN")
    assert payload["errors"][0]["code"] == "INVALID_TRANSITION"
    assert "reopen" in payload["errors"][0]["message"]


async def test_unknown_category_and_root_cause(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    values = {
        "customerId": customer["id"],
        "channel": "PHONE",
        "category": "weather",
        "severity": "LOW",
        "subject": "x",
        "description": "y",
    }
    payload = (await gql.data(OPEN, {"input": values}, token))["openTicket"]
    assert payload["ticket"] is None
    codes = [(e["field"], e["code"]) for e in payload["errors"]]
    assert codes == [("category", "UNKNOWN_CATEGORY")]
    assert await Ticket.all().count() == 0
    ticket = await open_ticket(gql, token, customer["id"])
    await move(gql, token, ticket["id"], "OPEN")
    body = await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "aliens"}, token)
    assert [e["code"] for e in body["resolveTicket"]["errors"]] == ["UNKNOWN_ROOT_CAUSE"]
    assert (await Ticket.get()).status == "OPEN"


async def test_open_validates_every_field(gql: GraphQL, settings: Settings) -> None:
    _, token, _ = await setup_brand(gql, settings)
    values = {
        "customerId": to_global_id("Customer", 999),
        "channel": "APP",
        "category": "delivery",
        "severity": "LOW",
        "subject": " ",
        "description": "",
    }
    payload = (await gql.data(OPEN, {"input": values}, token))["openTicket"]
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("subject", "REQUIRED"),
        ("description", "REQUIRED"),
    }
    values.update(subject="s", description="d")
    payload = (await gql.data(OPEN, {"input": values}, token))["openTicket"]
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("customerId", "NOT_FOUND")]


async def test_replies_notes_and_visibility(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    reply = await gql.data(REPLY, {"id": ticket["id"], "body": "We are on it"}, token)
    assert reply["replyToTicket"]["ticket"]["status"] == "OPEN"  # a first reply opens it
    assert reply["replyToTicket"]["ticket"]["firstRespondedAt"] is not None
    note = await gql.data(NOTE, {"id": ticket["id"], "body": "courier again"}, token)
    assert note["addTicketNote"]["errors"] == []
    data = (await gql.data(TICKET, {"id": ticket["id"]}, token))["ticket"]
    assert data["replies"] == [{"body": "We are on it"}]
    assert data["internalNotes"] == [{"body": "courier again"}]

    reader = await app_token(settings, brand, "tickets:read")
    body = await gql.post(TICKET, {"id": ticket["id"]}, reader)
    assert body["data"]["ticket"]["replies"] == [{"body": "We are on it"}]
    assert body["data"]["ticket"]["internalNotes"] is None
    assert error_codes(body) == ["FORBIDDEN"]


async def test_reply_on_closed_ticket_is_refused(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    await move(gql, token, ticket["id"], "OPEN")
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    await move(gql, token, ticket["id"], "CLOSED")
    body = await gql.data(REPLY, {"id": ticket["id"], "body": "hello?"}, token)
    assert [e["code"] for e in body["replyToTicket"]["errors"]] == ["TICKET_CLOSED"]
    assert await TicketMessage.all().count() == 0


async def test_rating_once_and_only_after_resolution(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    early = await gql.data(RATE, {"id": ticket["id"], "score": 5}, token)
    assert [e["code"] for e in early["rateTicket"]["errors"]] == ["NOT_RESOLVED"]
    await move(gql, token, ticket["id"], "OPEN")
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    bad = await gql.data(RATE, {"id": ticket["id"], "score": 6}, token)
    assert [e["code"] for e in bad["rateTicket"]["errors"]] == ["INVALID"]
    rated = await gql.data(RATE, {"id": ticket["id"], "score": 4}, token)
    assert rated["rateTicket"]["ticket"]["rating"] == {"score": 4, "comment": "ok"}
    again = await gql.data(RATE, {"id": ticket["id"], "score": 1}, token)
    assert [e["code"] for e in again["rateTicket"]["errors"]] == ["ALREADY_RATED"]
    assert (await Ticket.get()).csat_score == 4


ASSIGN = """
mutation($id: ID!, $to: ID) { assignTicket(input: {ticketId: $id, assigneeId: $to}) {
  ticket { assignee { id name } } errors { field code } } }
"""


async def test_assign_to_staff_of_the_same_brand(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings)
    other = await make_brand("other")
    agent = await brands.create_staff_user(
        brand, "agent@acme.example.com", "password123", "AGENT", "Ann"
    )
    stranger = await brands.create_staff_user(other, "x@other.example.com", "password123", "AGENT")
    ticket = await open_ticket(gql, token, customer["id"])
    ok = await gql.data(
        ASSIGN, {"id": ticket["id"], "to": to_global_id("StaffUser", agent.id)}, token
    )
    assert ok["assignTicket"]["ticket"]["assignee"]["name"] == "Ann"
    bad = await gql.data(
        ASSIGN, {"id": ticket["id"], "to": to_global_id("StaffUser", stranger.id)}, token
    )
    assert bad["assignTicket"]["errors"] == [{"field": "assigneeId", "code": "NOT_FOUND"}]
    malformed = await gql.data(ASSIGN, {"id": ticket["id"], "to": customer["id"]}, token)
    assert malformed["assignTicket"]["errors"][0]["code"] == "INVALID"
    cleared = await gql.data(ASSIGN, {"id": ticket["id"], "to": None}, token)
    assert cleared["assignTicket"]["ticket"]["assignee"] is None


async def test_brand_isolation(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    _, other_token, _ = await setup_brand(gql, settings, slug="other")
    ticket = await open_ticket(gql, token, customer["id"])
    assert (await gql.data(TICKET, {"id": ticket["id"]}, other_token))["ticket"] is None
    payload = await move(gql, other_token, ticket["id"], "OPEN")
    assert payload["errors"][0]["code"] == "NOT_FOUND"
    listing = await gql.data("{ tickets { totalCount } }", token=other_token)
    assert listing["tickets"]["totalCount"] == 0
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": ticket["id"]}, other_token
    )
    assert node["node"] is None
    # a customer of another brand cannot be given a ticket
    values = {
        "customerId": customer["id"],
        "channel": "APP",
        "category": "delivery",
        "severity": "LOW",
        "subject": "s",
        "description": "d",
    }
    body = (await gql.data(OPEN, {"input": values}, other_token))["openTicket"]
    assert body["errors"][0]["code"] == "NOT_FOUND"


async def test_scopes(gql: GraphQL, settings: Settings) -> None:
    brand, _, customer = await setup_brand(gql, settings)
    reader = await app_token(settings, brand, "tickets:read")
    values = {
        "customerId": customer["id"],
        "channel": "APP",
        "category": "delivery",
        "severity": "LOW",
        "subject": "s",
        "description": "d",
    }
    assert error_codes(await gql.post(OPEN, {"input": values}, reader)) == ["FORBIDDEN"]
    writer = await app_token(settings, brand, "tickets:write")
    body = await gql.post(CONFIGURE, {"input": {"categories": ["x"]}}, writer)
    assert error_codes(body) == ["FORBIDDEN"]
    assert error_codes(await gql.post("{ tickets { totalCount } }")) == ["UNAUTHENTICATED"]


async def test_concurrent_transitions_exactly_one_wins(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    await move(gql, token, ticket["id"], "OPEN")
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    # RESOLVED -> CLOSED and RESOLVED -> OPEN (reopen) conflict: once one lands, the other
    # starts from a state that does not allow it.
    results = await asyncio.gather(
        move(gql, token, ticket["id"], "CLOSED"),
        move(gql, token, ticket["id"], "CLOSED"),
    )
    winners = [r for r in results if r["ticket"] is not None]
    losers = [r for r in results if r["errors"]]
    assert len(winners) == 1 and len(losers) == 1
    assert losers[0]["errors"][0]["code"] == "INVALID_TRANSITION"
    assert await AuditEntry.filter(operation="transitionTicket").count() == 2  # OPEN + one CLOSED


async def test_customer_of_ticket_must_exist_in_brand_for_list_filter(
    gql: GraphQL, settings: Settings
) -> None:
    _, token, customer = await setup_brand(gql, settings)
    other = await create_customer(gql, token, name="Other")
    await open_ticket(gql, token, customer["id"])
    await open_ticket(gql, token, other["id"], channel="PHONE", severity="URGENT")
    query = """query($f: TicketFilter) { tickets(filter: $f) { totalCount
      edges { node { channel severity customer { name } } } } }"""
    mine = await gql.data(query, {"f": {"customer": customer["id"]}}, token)
    assert mine["tickets"]["totalCount"] == 1
    urgent = await gql.data(query, {"f": {"severity": ["URGENT"], "channel": "PHONE"}}, token)
    assert [e["node"]["customer"]["name"] for e in urgent["tickets"]["edges"]] == ["Other"]
    bad = await gql.post(query, {"f": {"customer": "nonsense"}}, token)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
