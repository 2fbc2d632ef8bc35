"""Helpers for the behaviour-tracking tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support import GraphQL

TRACK = """
mutation($input: TrackEventsInput!) { trackEvents(input: $input) {
  accepted duplicates errors { field code message } } }
"""
CREATE_KEY = """
mutation($name: String!) { createTrackingKey(input: {name: $name}) {
  trackingKey { id key active } errors { field code } } }
"""
TIMELINE = """
query($id: ID!) { customer(id: $id) { timeline(first: 50) { kind actor summary occurredAt } } }
"""


def at(minutes_ago: float = 0) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()


def event(event_id: str, name: str = "page_view", **fields: Any) -> dict[str, Any]:
    return {"eventId": event_id, "name": name, "occurredAt": fields.pop("occurredAt", at(1))} | {
        key: value for key, value in fields.items()
    }


async def track(gql: GraphQL, token: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    body = await gql.data(TRACK, {"input": {"events": events}}, token)
    result: dict[str, Any] = body["trackEvents"]
    return result


async def write_key(gql: GraphQL, token: str, name: str = "web") -> dict[str, Any]:
    body = await gql.data(CREATE_KEY, {"name": name}, token)
    payload: dict[str, Any] = body["createTrackingKey"]
    assert payload["errors"] == []
    key: dict[str, Any] = payload["trackingKey"]
    return key


async def behaviour(gql: GraphQL, token: str, customer_id: str) -> list[str]:
    """The customer's BEHAVIOUR timeline summaries, newest first."""
    body = await gql.data(TIMELINE, {"id": customer_id}, token)
    return [e["summary"] for e in body["customer"]["timeline"] if e["kind"] == "BEHAVIOUR"]
