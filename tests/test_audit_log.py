"""The audit log through the API: filters, keyset pages, brand isolation, CSV, no personal data."""

from __future__ import annotations

import csv
import io

from config import Settings
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

LOG = """query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    edges { cursor node { id operation actor actorKind requestId targetType targetId
      changedFields details app { clientId name } occurredAt } }
    pageInfo { hasNextPage endCursor } } }"""
UPDATE = """mutation($id: ID!, $name: String!) { updateCustomer(input: {id: $id, name: $name,
  phone: "13800138000"}) { errors { code } } }"""


async def test_the_log_names_who_changed_which_fields_without_their_values(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    other = await app_token(settings, await make_brand("other"))
    alice = await create_customer(gql, token, name="Alice Example", email="alice@example.com")
    await create_customer(gql, other, name="Someone Else")
    response = await gql.http.post(
        "/graphql",
        json={"query": UPDATE, "variables": {"id": alice["id"], "name": "Alice Renamed"}},
        headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-update-1"},
    )
    assert response.json()["data"]["updateCustomer"]["errors"] == []
    page = (await gql.data(LOG, {"filter": {"targetId": alice["id"]}}, token))["auditLog"]
    nodes = [e["node"] for e in page["edges"]]
    assert [n["operation"] for n in nodes] == ["updateCustomer", "createCustomer"]
    update = nodes[0]
    assert update["changedFields"] == ["name", "phone"]
    assert update["requestId"] == "req-update-1"
    assert update["targetType"] == "Customer" and update["targetId"] == alice["id"]
    assert update["actorKind"] == "app" and update["app"]["name"].startswith("test app")
    text = str(nodes)
    for personal in ("Alice", "alice@example.com", "13800138000", "8613800138000"):
        assert personal not in text
    # another brand's rows are never seen, whatever the filter
    everything = (await gql.data(LOG, {"first": 100}, token))["auditLog"]["edges"]
    assert {e["node"]["operation"] for e in everything} == {"createCustomer", "updateCustomer"}
    assert len(everything) == 2


async def test_filters_and_keyset_pages(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    created = [await create_customer(gql, token, name=f"C{i}") for i in range(5)]
    first = (await gql.data(LOG, {"first": 2}, token))["auditLog"]
    assert first["pageInfo"]["hasNextPage"] is True
    seen = [e["node"]["targetId"] for e in first["edges"]]
    cursor = first["pageInfo"]["endCursor"]
    while cursor:
        page = (await gql.data(LOG, {"first": 2, "after": cursor}, token))["auditLog"]
        seen += [e["node"]["targetId"] for e in page["edges"]]
        cursor = page["pageInfo"]["endCursor"] if page["pageInfo"]["hasNextPage"] else None
    assert seen == [c["id"] for c in reversed(created)]
    actor = first["edges"][0]["node"]["actor"]
    by_actor = await gql.data(
        LOG, {"filter": {"actor": actor, "operation": "createCustomer"}}, token
    )
    assert len(by_actor["auditLog"]["edges"]) == 5
    nobody = await gql.data(LOG, {"filter": {"actor": "app:999999"}}, token)
    assert nobody["auditLog"]["edges"] == []
    future = await gql.data(LOG, {"filter": {"from": "2999-01-01T00:00:00Z"}}, token)
    assert future["auditLog"]["edges"] == []


async def test_csv_export_is_bounded_and_safe(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    for i in range(3):
        await gql.http.post(
            "/graphql",
            json={"query": 'mutation { createCustomer(input: {name: "N"}) { errors { code } } }'},
            headers={"Authorization": f"Bearer {token}", "X-Request-ID": f"=cmd{i}"},
        )
    body = await gql.data("{ auditLogCsv(maxRows: 2) { csv rows truncated } }", token=token)
    export = body["auditLogCsv"]
    assert export["rows"] == 2 and export["truncated"] is True
    rows = list(csv.reader(io.StringIO(export["csv"])))
    assert rows[0][:3] == ["occurred_at", "actor", "operation"]
    assert len(rows) == 3
    assert {r[5] for r in rows[1:]} == {"'=cmd2", "'=cmd1"}  # never read as a formula


async def test_refusals(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    reader = await app_token(settings, brand, "customers:write")
    assert error_codes(await gql.post("{ auditLog { edges { cursor } } }", token=reader)) == [
        "FORBIDDEN"
    ]
    auditor = await app_token(settings, brand, "audit:read")
    for variables in (
        {"filter": {"actor": "nocolon"}},
        {"filter": {"from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"}},
        {"first": 101},
        {"after": "garbage"},
        {"filter": {"operation": "x" * 500}},
    ):
        body = await gql.post(LOG, variables, auditor)
        assert error_codes(body) == ["BAD_USER_INPUT"], variables
    body = await gql.post("{ auditLogCsv(maxRows: 0) { rows } }", token=auditor)
    assert error_codes(body) == ["BAD_USER_INPUT"]
