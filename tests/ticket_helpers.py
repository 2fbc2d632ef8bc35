"""Shared setup for the ticket and survey tests."""

from __future__ import annotations

from typing import Any

from config import Settings
from models import Brand
from tests.support import GraphQL, app_token, create_customer, make_brand

CONFIGURE = """
mutation($input: ConfigureTicketsInput!) {
  configureTickets(input: $input) { settings { categories rootCauses } errors { field code } }
}
"""
SET_SLA = """
mutation($input: SetSlaPolicyInput!) {
  setSlaPolicy(input: $input) { settings { slaPolicies { severity } } errors { field code } }
}
"""
OPEN = """
mutation($input: OpenTicketInput!) {
  openTicket(input: $input) {
    ticket { id status severity category channel firstResponseDueAt resolutionDueAt
             firstResponseBreached resolutionBreached customer { id } }
    errors { field code message }
  }
}
"""
TRANSITION = """
mutation($id: ID!, $to: TicketStatus!) {
  transitionTicket(input: {ticketId: $id, to: $to}) {
    ticket { id status resolutionDueAt resolutionClockPaused } errors { field code message }
  }
}
"""
RESOLVE = """
mutation($id: ID!, $rootCause: String!) {
  resolveTicket(input: {ticketId: $id, resolution: "refunded", rootCause: $rootCause}) {
    ticket { id status rootCause resolution resolvedAt } errors { field code message }
  }
}
"""
REPLY = """
mutation($id: ID!, $body: String!) {
  replyToTicket(input: {ticketId: $id, body: $body}) {
    message { id body } ticket { status firstRespondedAt } errors { field code message }
  }
}
"""
NOTE = """
mutation($id: ID!, $body: String!) {
  addTicketNote(input: {ticketId: $id, body: $body}) { message { id } errors { field code } }
}
"""
RATE = """
mutation($id: ID!, $score: Int!) {
  rateTicket(input: {ticketId: $id, score: $score, comment: "ok"}) {
    ticket { rating { score comment } } errors { field code message }
  }
}
"""
TICKET = """
query($id: ID!) { ticket(id: $id) { id status replies { body } internalNotes { body }
  rating { score } assignee { id email } } }
"""


async def setup_brand(
    gql: GraphQL, settings: Settings, slug: str = "acme", **config: Any
) -> tuple[Brand, str, dict[str, Any]]:
    brand = await make_brand(slug)
    token = await app_token(settings, brand)
    body = {
        "categories": ["delivery", "product", "service"],
        "rootCauses": ["courier", "stock", "training"],
        **config,
    }
    result = (await gql.data(CONFIGURE, {"input": body}, token))["configureTickets"]
    assert result["errors"] == [], result
    customer = await create_customer(gql, token, name="Li Wei")
    return brand, token, customer


async def open_ticket(gql: GraphQL, token: str, customer_id: str, **fields: Any) -> dict[str, Any]:
    values = {
        "customerId": customer_id,
        "channel": "APP",
        "category": "delivery",
        "severity": "NORMAL",
        "subject": "Late",
        "description": "Order is late",
        **fields,
    }
    payload = (await gql.data(OPEN, {"input": values}, token))["openTicket"]
    assert payload["errors"] == [], payload["errors"]
    ticket: dict[str, Any] = payload["ticket"]
    return ticket


async def move(gql: GraphQL, token: str, ticket_id: str, to: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(TRANSITION, {"id": ticket_id, "to": to}, token))[
        "transitionTicket"
    ]
    return payload
