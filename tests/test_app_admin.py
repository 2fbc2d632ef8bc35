"""Partner apps managed through GraphQL: create, scopes, disable/enable, rotation, usage."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from config import Settings
from server import create_app
from services.brands import apps as app_service
from services.common.actor import Actor
from services.common.errors import DomainError
from tests.support import GraphQL, app_token, error_codes, make_brand

CREATE = """mutation($name: String!, $scopes: [String!]!) {
  createApp(input: {name: $name, scopes: $scopes}) {
    app { id clientId name scopes isActive } clientSecret errors { field code message } } }"""
ROTATE = """mutation($id: ID!, $overlap: Int!) {
  rotateAppSecret(appId: $id, overlapSeconds: $overlap) {
    app { clientId previousSecretExpiresAt } clientSecret previousSecretExpiresAt
    errors { field code } } }"""
SCOPES = """mutation($id: ID!, $scopes: [String!]!) {
  updateAppScopes(input: {appId: $id, scopes: $scopes}) {
    app { scopes } errors { field code } } }"""
TOGGLE = """mutation($id: ID!) { %s(appId: $id) { app { isActive } errors { code } } }"""
TOGGLE_INPUT = (
    """mutation($id: ID!) { %s(input: {appId: $id}) { app { isActive } errors { code } } }"""
)
VIEWER = "{ viewer { kind scopes } }"


async def token_for(
    http: httpx.AsyncClient, client_id: str, secret: str, scope: str | None = None
) -> httpx.Response:
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope:
        form["scope"] = scope
    return await http.post("/auth/token", data=form)


async def new_app(gql: GraphQL, admin: str, scopes: list[str]) -> dict[str, str]:
    body = await gql.data(CREATE, {"name": "POS", "scopes": scopes}, admin)
    payload = body["createApp"]
    assert payload["errors"] == []
    return {**payload["app"], "secret": payload["clientSecret"]}


async def test_created_app_gets_tokens_and_its_secret_is_shown_once(
    gql: GraphQL, settings: Settings
) -> None:
    admin = await app_token(settings, await make_brand())
    app = await new_app(gql, admin, ["customers:write", "pii:read"])
    assert app["scopes"] == ["customers:write", "pii:read"] and app["isActive"] is True
    issued = await token_for(gql.http, app["clientId"], app["secret"], "customers:read")
    assert issued.status_code == 200
    viewer = (await gql.data(VIEWER, token=issued.json()["access_token"]))["viewer"]
    assert viewer == {"kind": "app", "scopes": ["customers:read"]}
    listed = (await gql.data("{ apps { id clientId name scopes } }", token=admin))["apps"]
    assert app["id"] in [a["id"] for a in listed]
    assert "clientSecret" not in (await gql.http.get("/graphql?query={__typename}")).text
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on PartnerApp { name } } }", {"id": app["id"]}, admin
    )
    assert node["node"] == {"name": "POS"}


async def test_scopes_are_checked_and_narrowing_applies_to_new_tokens(
    gql: GraphQL, settings: Settings
) -> None:
    admin = await app_token(settings, await make_brand())
    bad = await gql.data(CREATE, {"name": " ", "scopes": ["customers:read", "root"]}, admin)
    assert {(e["field"], e["code"]) for e in bad["createApp"]["errors"]} == {("name", "INVALID")}
    unknown = await gql.data(CREATE, {"name": "X", "scopes": ["root"]}, admin)
    assert unknown["createApp"]["errors"][0]["code"] == "INVALID"
    empty = await gql.data(CREATE, {"name": "X", "scopes": []}, admin)
    assert empty["createApp"]["errors"][0]["code"] == "REQUIRED"
    app = await new_app(gql, admin, ["customers:write", "points:write"])
    narrowed = await gql.data(SCOPES, {"id": app["id"], "scopes": ["customers:read"]}, admin)
    assert narrowed["updateAppScopes"] == {"app": {"scopes": ["customers:read"]}, "errors": []}
    refused = await token_for(gql.http, app["clientId"], app["secret"], "points:write")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    assert (await token_for(gql.http, app["clientId"], app["secret"])).json()["scope"] == (
        "customers:read"
    )


async def test_nobody_grants_a_scope_they_lack() -> None:
    grant = app_service.Grant(
        known=frozenset({"customers:read", "customers:write", "admin"}),
        held=frozenset({"customers:read", "customers:write"}),
    )
    assert app_service.clean_scopes(["customers:read"], grant) == ["customers:read"]
    with pytest.raises(DomainError) as refused:
        app_service.clean_scopes(["customers:read", "admin"], grant)
    assert refused.value.errors[0].code == "SCOPE_NOT_HELD"
    assert "admin" in refused.value.errors[0].message


async def test_disable_refuses_credentials_and_tokens_enable_restores_credentials(
    gql: GraphQL, settings: Settings
) -> None:
    admin = await app_token(settings, await make_brand())
    app = await new_app(gql, admin, ["customers:read"])
    token = (await token_for(gql.http, app["clientId"], app["secret"])).json()["access_token"]
    off = await gql.data(TOGGLE % "disableApp", {"id": app["id"]}, admin)
    assert off["disableApp"] == {"app": {"isActive": False}, "errors": []}
    assert (await token_for(gql.http, app["clientId"], app["secret"])).status_code == 401
    assert error_codes(await gql.post(VIEWER, token=token)) == ["UNAUTHENTICATED"]
    on = await gql.data(TOGGLE % "enableApp", {"id": app["id"]}, admin)
    assert on["enableApp"] == {"app": {"isActive": True}, "errors": []}
    assert (await token_for(gql.http, app["clientId"], app["secret"])).status_code == 200


async def test_rotation_keeps_the_old_secret_for_the_overlap_only(
    gql: GraphQL, settings: Settings
) -> None:
    admin = await app_token(settings, await make_brand())
    app = await new_app(gql, admin, ["customers:read"])
    old_secret = app["secret"]
    issued_before = (await token_for(gql.http, app["clientId"], old_secret)).json()["access_token"]
    rotated = (await gql.data(ROTATE, {"id": app["id"], "overlap": 2}, admin))["rotateAppSecret"]
    assert rotated["errors"] == [] and rotated["clientSecret"] not in (None, old_secret)
    assert rotated["previousSecretExpiresAt"] == rotated["app"]["previousSecretExpiresAt"]
    new_secret = rotated["clientSecret"]
    assert (await token_for(gql.http, app["clientId"], new_secret)).status_code == 200
    assert (await token_for(gql.http, app["clientId"], old_secret)).status_code == 200
    await asyncio.sleep(2.2)
    assert (await token_for(gql.http, app["clientId"], old_secret)).status_code == 401
    assert (await token_for(gql.http, app["clientId"], new_secret)).status_code == 200
    # a token issued before the rotation stays valid until it expires
    assert (await gql.data(VIEWER, token=issued_before))["viewer"]["kind"] == "app"
    listed = await gql.data("{ apps { clientId previousSecretExpiresAt } }", token=admin)
    assert {"clientId": app["clientId"], "previousSecretExpiresAt": None} in listed["apps"]
    # without an overlap the old secret stops at once
    again = (await gql.data(ROTATE, {"id": app["id"], "overlap": 0}, admin))["rotateAppSecret"]
    assert again["previousSecretExpiresAt"] is None
    assert (await token_for(gql.http, app["clientId"], new_secret)).status_code == 401
    assert (await token_for(gql.http, app["clientId"], again["clientSecret"])).status_code == 200


async def test_refusals_name_their_codes(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(settings, brand)
    rival_admin = await app_token(settings, await make_brand("rival"))
    app = await new_app(gql, admin, ["customers:read"])
    for overlap in (-1, 7 * 24 * 3600 + 1):
        body = await gql.data(ROTATE, {"id": app["id"], "overlap": overlap}, admin)
        assert body["rotateAppSecret"]["errors"] == [{"field": "overlapSeconds", "code": "INVALID"}]
    for query, variables in (
        (ROTATE, {"id": app["id"], "overlap": 60}),
        (SCOPES, {"id": app["id"], "scopes": ["customers:read"]}),
        (TOGGLE % "disableApp", {"id": app["id"]}),
    ):
        body = await gql.data(query, variables, rival_admin)
        (payload,) = body.values()
        assert payload["errors"][0]["code"] == "NOT_FOUND", query  # another brand's app
    body = await gql.data(TOGGLE % "enableApp", {"id": "not-an-id"}, admin)
    assert body["enableApp"]["errors"] == [{"code": "INVALID"}]
    body = await gql.data(TOGGLE_INPUT % "disableApp", {"id": app["id"]}, admin)
    assert body["disableApp"] == {"app": {"isActive": False}, "errors": []}  # the input form
    both = "mutation($id: ID!) { enableApp(appId: $id, input: {appId: $id}) { errors { code } } }"
    body = await gql.data(both, {"id": app["id"]}, admin)
    assert body["enableApp"]["errors"] == [{"code": "INVALID"}]
    body = await gql.data("mutation { enableApp { errors { code } } }", {}, admin)
    assert body["enableApp"]["errors"] == [{"code": "REQUIRED"}]
    body = await gql.data(TOGGLE % "enableApp", {"id": app["id"]}, admin)
    assert body["enableApp"] == {"app": {"isActive": True}, "errors": []}
    limited = await app_token(settings, brand, "customers:write")
    for query in ("{ apps { id } }", TOGGLE % "disableApp"):
        body = await gql.post(query, {"id": app["id"]}, limited)
        assert error_codes(body) == ["FORBIDDEN"]
    assert (await token_for(gql.http, app["clientId"], app["secret"])).status_code == 200


async def test_app_changes_are_audited_and_emitted(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(settings, brand)
    app = await new_app(gql, admin, ["customers:read"])
    rotated = await gql.data(ROTATE, {"id": app["id"], "overlap": 0}, admin)
    log = await gql.data(
        """query($id: String) { auditLog(filter: {targetId: $id}) {
             edges { node { operation changedFields details } } } }""",
        {"id": app["id"]},
        admin,
    )
    operations = [e["node"]["operation"] for e in log["auditLog"]["edges"]]
    assert operations == ["rotateAppSecret", "createApp"]
    assert log["auditLog"]["edges"][0]["node"]["changedFields"] == ["secret"]
    for secret in (app["secret"], rotated["rotateAppSecret"]["clientSecret"]):
        assert secret not in str(log)
    from events.outbox import events_after

    kinds = [(e.type, e.payload["operation"]) for e in await events_after(brand.id, 0)]
    assert kinds == [("app.changed", "createApp"), ("app.changed", "rotateAppSecret")]


@pytest.fixture
async def tight(settings: Settings) -> AsyncIterator[tuple[Settings, httpx.AsyncClient]]:
    limited = replace(settings, rate_limit_per_second=0.01, rate_limit_burst=100.0)
    app = create_app(limited, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield limited, client


async def test_usage_counts_requests_errors_and_rate_limit_refusals(
    tight: tuple[Settings, httpx.AsyncClient],
) -> None:
    settings, client = tight
    gql = GraphQL(client)
    brand = await make_brand()
    admin = await app_token(settings, brand)
    partner_app = await new_app(gql, admin, ["customers:read"])
    partner = (await token_for(client, partner_app["clientId"], partner_app["secret"])).json()[
        "access_token"
    ]
    small = "{ customers(first: 10) { edges { node { name } } } }"  # cost 31
    statuses = [
        (await client.post("/graphql", json={"query": small}, headers=_bearer(partner))).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    usage_query = """query { apps { clientId usage { day requests errors rateLimited } } }"""
    await client.post("/graphql", json={"query": "{ apps { id } }"}, headers=_bearer(partner))
    listed = (await gql.data(usage_query, token=admin))["apps"]
    mine = next(a for a in listed if a["clientId"] == partner_app["clientId"])
    assert len(mine["usage"]) == 1
    day = mine["usage"][0]
    # 4 customer reads (the last refused by the rate limit) and 1 forbidden `apps`
    assert (day["requests"], day["errors"], day["rateLimited"]) == (5, 2, 1)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_service_refuses_an_app_of_another_brand() -> None:
    acme, rival = await make_brand("acme"), await make_brand("rival")
    from services.brands import brands

    created = await brands.create_app(rival, "POS", ["customers:read"])
    actor = Actor(acme.id, "user", "1", "t")
    with pytest.raises(DomainError) as refused:
        await app_service.set_enabled(actor, created.app.id, False)
    assert refused.value.errors[0].code == "NOT_FOUND"
