"""The reference JavaScript clients, unmodified, against a real server (tests/node/)."""

from __future__ import annotations

from config import Settings
from tests.node_clients import run_node
from tests.support import app_token, make_brand
from tests.test_events_ws import create, mutate, server  # noqa: F401


async def test_graphql_ws_client_receives_the_event_of_a_mutation(
    server: str,  # noqa: F811
    settings: Settings,
) -> None:
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    result = run_node("graphql_ws_client.cjs", f"ws://{server}/graphql", token, "subscribe")
    assert result["acknowledged"] is True
    created = result["created"]["customer"]["id"]
    event = result["event"]["data"]["events"]
    assert event["type"] == "customer.created"
    assert event["customerId"] == created
    assert event["customer"] == {"name": "Node Client"}


async def test_graphql_ws_client_is_refused_with_a_bad_token(server: str) -> None:  # noqa: F811
    result = run_node("graphql_ws_client.cjs", f"ws://{server}/graphql", "x", "refused")
    assert result == {"closeCode": 4403, "reason": "Forbidden"}


async def test_legacy_client_receives_the_event_of_a_mutation(
    server: str,  # noqa: F811
    settings: Settings,
) -> None:
    token = await app_token(settings, await make_brand(), "events:read customers:write")
    result = run_node("legacy_ws_client.cjs", f"ws://{server}/graphql", token, "subscribe")
    assert result["acknowledged"] is True
    event = result["event"]["data"]["events"]
    assert event["customerId"] == result["created"]["customer"]["id"]
    assert event["customer"] == {"name": "Legacy Client"}


async def test_legacy_client_is_refused_with_a_bad_token(server: str) -> None:  # noqa: F811
    result = run_node("legacy_ws_client.cjs", f"ws://{server}/graphql", "x", "refused")
    assert "invalid token" in result["error"]["message"]


async def test_graphql_http_audit_passes_without_warnings(server: str) -> None:  # noqa: F811
    result = run_node("audit.cjs", f"http://{server}/graphql")
    assert result["notes"] == []
    assert (result["notice"], result["warn"], result["error"]) == (0, 0, 0)
    assert result["ok"] >= 61


RECORD = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  membership { id } errors { code } } }"""


async def test_apollo_client_merges_two_reads_of_one_membership(
    server: str,  # noqa: F811
    settings: Settings,
) -> None:
    token = await app_token(settings, await make_brand())
    customer_id = await create(server, token, "Cached")
    purchase = {"customerId": customer_id, "amount": "30"}
    recorded = await mutate(server, token, RECORD, {"input": purchase})
    membership_id = recorded["data"]["recordPurchase"]["membership"]["id"]
    result = run_node("apollo_cache.cjs", f"http://{server}/graphql", token, customer_id)
    assert result["entities"] == [f"Membership:{membership_id}"]
    # The first query's fields survived the second query's write, in one normalised entity.
    assert result["firstAgain"] == result["first"]
    merged = result["merged"]
    assert merged["id"] == membership_id
    assert merged["memberNumber"] == result["first"]["customer"]["membership"]["memberNumber"]
    assert merged["status"] == "ACTIVE"
    assert merged["tier"]["name"] == result["second"]["customer"]["membership"]["tier"]["name"]
    assert result["third"]["node"]["id"] == membership_id
