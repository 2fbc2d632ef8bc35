"""Persisted-query allow-list mode for partner apps, through the API and the CLI."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx

from config import Settings
from models import App, AuditEntry, PersistedQuery
from services.brands import brands
from tests.support import GraphQL, app_token, error_codes, make_brand, mint

COUNT = "{ customers(first: 3) { totalCount } }"
VIEWER = "{ viewer { kind } }"

SET_MODE = """mutation($input: SetAppAllowListModeInput!) { setAppAllowListMode(input: $input) {
  app { clientId persistedQueriesOnly } errors { field code } } }"""
REGISTER = """mutation($input: RegisterPersistedQueriesInput!) {
  registerPersistedQueries(input: $input) { hashes errors { field code message } } }"""
UNREGISTER = """mutation($input: UnregisterPersistedQueriesInput!) {
  unregisterPersistedQueries(input: $input) { removed errors { field code } } }"""


def sha(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


async def partner(settings: Settings, slug: str = "acme") -> tuple[str, App, str]:
    """An admin token and a partner app (with its token) in the brand `slug`."""
    brand = await make_brand(slug)
    admin = await app_token(settings, brand)
    await app_token(settings, brand, "customers:read")
    app = await App.filter(brand_id=brand.id, scopes="customers:read").get()
    return admin, app, mint(settings, app.id, slug, "customers:read")


async def send(http: httpx.AsyncClient, token: str, body: Any) -> Any:
    response = await http.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return response.json()


async def test_allow_listed_app_runs_only_registered_queries(
    gql: GraphQL, http: httpx.AsyncClient, settings: Settings
) -> None:
    admin, app, token = await partner(settings)
    assert (await send(http, token, {"query": COUNT}))["data"] == {"customers": {"totalCount": 0}}

    mode = await gql.data(SET_MODE, {"input": {"clientId": app.client_id, "enabled": True}}, admin)
    assert mode["setAppAllowListMode"] == {
        "app": {"clientId": app.client_id, "persistedQueriesOnly": True},
        "errors": [],
    }
    refused = await send(http, token, {"query": COUNT})
    assert refused["data"] is None
    assert error_codes(refused) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    assert refused["errors"][0]["extensions"]["sha256Hash"] == sha(COUNT)

    registered = await gql.data(
        REGISTER, {"input": {"clientId": app.client_id, "queries": [COUNT]}}, admin
    )
    assert registered["registerPersistedQueries"] == {"hashes": [sha(COUNT)], "errors": []}
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(COUNT)}}}
    assert (await send(http, token, by_hash))["data"] == {"customers": {"totalCount": 0}}
    assert (await send(http, token, {"query": COUNT}))["data"] == {"customers": {"totalCount": 0}}
    # a different text (even one whitespace) is another query
    assert error_codes(await send(http, token, {"query": COUNT + " "})) == [
        "PERSISTED_QUERY_NOT_ALLOWED"
    ]
    batch = await send(http, token, [{"query": COUNT}, {"query": VIEWER}])
    assert batch[0]["data"] == {"customers": {"totalCount": 0}}
    assert error_codes(batch[1]) == ["PERSISTED_QUERY_NOT_ALLOWED"]

    removed = await gql.data(
        UNREGISTER, {"input": {"clientId": app.client_id, "hashes": [sha(COUNT)]}}, admin
    )
    assert removed["unregisterPersistedQueries"] == {"removed": 1, "errors": []}
    assert error_codes(await send(http, token, by_hash)) == ["PERSISTED_QUERY_NOT_FOUND"]
    assert error_codes(await send(http, token, {"query": COUNT})) == ["PERSISTED_QUERY_NOT_ALLOWED"]

    await gql.data(SET_MODE, {"input": {"clientId": app.client_id, "enabled": False}}, admin)
    assert (await send(http, token, {"query": VIEWER}))["data"] == {"viewer": {"kind": "app"}}
    operations = await AuditEntry.filter(target_type="App").values_list("operation", flat=True)
    assert sorted(operations) == [
        "registerPersistedQueries",
        "setAppAllowListMode",
        "setAppAllowListMode",
        "unregisterPersistedQueries",
    ]


async def test_brand_wide_registration_and_other_apps_unaffected(
    gql: GraphQL, http: httpx.AsyncClient, settings: Settings
) -> None:
    admin, app, token = await partner(settings)
    await gql.data(SET_MODE, {"input": {"clientId": app.client_id, "enabled": True}}, admin)
    body = await gql.data(REGISTER, {"input": {"queries": [VIEWER, VIEWER]}}, admin)
    assert body["registerPersistedQueries"]["hashes"] == [sha(VIEWER), sha(VIEWER)]
    assert await PersistedQuery.filter(app_id=None).count() == 1
    again = await gql.data(REGISTER, {"input": {"queries": [VIEWER]}}, admin)
    assert again["registerPersistedQueries"]["errors"] == []
    assert await PersistedQuery.filter(app_id=None).count() == 1
    assert (await send(http, token, {"query": VIEWER}))["data"] == {"viewer": {"kind": "app"}}
    # the admin app is not in allow-list mode: anything valid still runs
    assert (await send(http, admin, {"query": COUNT}))["data"] == {"customers": {"totalCount": 0}}


async def test_another_brand_cannot_see_or_use_the_registrations(
    gql: GraphQL, http: httpx.AsyncClient, settings: Settings
) -> None:
    admin, app, _ = await partner(settings)
    other_admin, other_app, other_token = await partner(settings, "globex")
    await gql.data(REGISTER, {"input": {"clientId": app.client_id, "queries": [COUNT]}}, admin)
    stranger = await gql.data(
        SET_MODE, {"input": {"clientId": app.client_id, "enabled": True}}, other_admin
    )
    assert stranger["setAppAllowListMode"]["errors"] == [{"field": "clientId", "code": "NOT_FOUND"}]
    await gql.data(
        SET_MODE, {"input": {"clientId": other_app.client_id, "enabled": True}}, other_admin
    )
    refused = await send(http, other_token, {"query": COUNT})
    assert error_codes(refused) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha(COUNT)}}}
    assert error_codes(await send(http, other_token, by_hash)) == ["PERSISTED_QUERY_NOT_FOUND"]


async def test_registration_is_validated_all_or_nothing(gql: GraphQL, settings: Settings) -> None:
    admin, app, _ = await partner(settings)
    body = await gql.data(
        REGISTER,
        {"input": {"clientId": app.client_id, "queries": [COUNT, "{ nope }", "{ broken", ""]}},
        admin,
    )
    errors = body["registerPersistedQueries"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        ("queries.3", "REQUIRED"),
        ("queries.1", "INVALID"),
        ("queries.2", "INVALID"),
    ]
    assert await PersistedQuery.all().count() == 0
    bad_hash = await gql.data(
        UNREGISTER, {"input": {"clientId": app.client_id, "hashes": ["xyz"]}}, admin
    )
    assert bad_hash["unregisterPersistedQueries"]["errors"] == [
        {"field": "hashes.0", "code": "INVALID"}
    ]


async def test_only_admins_manage_allow_lists(gql: GraphQL, settings: Settings) -> None:
    _, app, token = await partner(settings)
    body = await gql.post(SET_MODE, {"input": {"clientId": app.client_id, "enabled": False}}, token)
    assert error_codes(body) == ["FORBIDDEN"]
    body = await gql.post(REGISTER, {"input": {"queries": [COUNT]}}, token)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_cli_toggles_and_registers(
    http: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    from cli.allowlist import _work
    from cli.main import build_parser

    _, app, token = await partner(settings)
    query_file = tmp_path / "count.graphql"
    query_file.write_text(COUNT)
    parser = build_parser()
    await _work(parser.parse_args(["app", "allow-list", "enable", app.client_id]))
    assert error_codes(await send(http, token, {"query": COUNT})) == ["PERSISTED_QUERY_NOT_ALLOWED"]
    added = await _work(
        parser.parse_args(["app", "allow-list", "add", "--brand", "acme", str(query_file)])
    )
    assert added == {"registered": {str(query_file): sha(COUNT)}}
    assert (await send(http, token, {"query": COUNT}))["data"] == {"customers": {"totalCount": 0}}
    removed = await _work(
        parser.parse_args(["app", "allow-list", "remove", "--brand", "acme", sha(COUNT)])
    )
    assert removed == {"removed": 1}
    await _work(parser.parse_args(["app", "allow-list", "disable", app.client_id]))
    assert (await send(http, token, {"query": VIEWER}))["data"] == {"viewer": {"kind": "app"}}


async def test_websocket_subscriptions_are_allow_listed(settings: Settings) -> None:
    from tests.test_events_ws import JWT_SECRET, connect, start_server, stop_server

    brand = await make_brand()
    created = await brands.create_app(brand, "dashboard", ["events:read"])
    created.app.persisted_queries_only = True
    await created.app.save(update_fields=["persisted_queries_only"])
    ws_settings = replace(settings, jwt_secret=JWT_SECRET)
    token = mint(ws_settings, created.app.id, brand.slug, "events:read")
    subscription = "subscription { events { type } }"
    process, base = start_server(settings.database_url, None, f"allowlist{os.getpid()}")
    try:
        ws = await connect(base, token)
        assert (await ws.recv())["type"] == "connection_ack"
        start = {"id": "1", "type": "subscribe", "payload": {"query": subscription}}
        await ws.conn.send(json.dumps(start))
        refused = await ws.recv()
        assert refused["type"] == "error"
        assert refused["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_ALLOWED"
        await ws.conn.close()
    finally:
        stop_server(process)
