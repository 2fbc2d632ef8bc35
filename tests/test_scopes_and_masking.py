"""Scopes, PII masking, brand isolation, staff login and the audit trail."""

from __future__ import annotations

from typing import Any

import pytest

from auth.scopes import ALL_SCOPES, ROLE_SCOPES, UnknownScope, expand, narrow, parse_scopes
from auth.tokens import issue_token
from config import Settings
from models import AuditEntry, Customer
from services.brands import brands
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand, mint

PII = "query($id: ID!) { customer(id: $id) { name phone email birthday birthMonth address } }"
CREATE = 'mutation { createCustomer(input: {name: "X"}) { customer { id } errors { code } } }'
LOGIN = """mutation($brand: String!, $email: String!, $password: String!) {
  login(input: {brand: $brand, email: $email, password: $password}) {
    token scopes user { email role } errors { code } } }"""


def test_write_implies_read_and_admin_implies_everything() -> None:
    assert expand(frozenset({"customers:write"})) == {"customers:write", "customers:read"}
    assert expand(frozenset({"admin"})) == ALL_SCOPES
    assert expand(frozenset({"customers:read"})) == {"customers:read"}
    assert "pii:read" not in expand(frozenset({"customers:write", "points:write"}))


def test_parse_scopes_refuses_unknown_names() -> None:
    assert parse_scopes("customers:read  pii:read") == {"customers:read", "pii:read"}
    with pytest.raises(UnknownScope, match="customers:delete"):
        parse_scopes("customers:read customers:delete")


def test_narrow_never_grants_more() -> None:
    granted = frozenset({"customers:write"})
    assert narrow(granted, frozenset({"customers:read"})) == {"customers:read"}
    with pytest.raises(UnknownScope):
        narrow(granted, frozenset({"pii:read"}))
    assert narrow(frozenset({"admin"}), frozenset({"pii:read"})) == {"pii:read"}


async def test_read_scope_cannot_write(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    reader = await app_token(settings, brand, "customers:read")
    body = await gql.post(CREATE, token=reader)
    assert error_codes(body) == ["FORBIDDEN"]
    assert await Customer.all().count() == 0
    writer = await app_token(settings, brand, "customers:write")
    await create_customer(gql, writer, name="W")
    assert (await gql.data("{ customers { totalCount } }", token=writer))["customers"] == {
        "totalCount": 1
    }
    assert (await gql.data("{ customers { totalCount } }", token=reader))["customers"] == {
        "totalCount": 1
    }


async def test_other_scopes_do_not_reach_customers(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand(), "points:write pii:read")
    body = await gql.post("{ customers { totalCount } }", token=token)
    assert error_codes(body) == ["FORBIDDEN"]


async def test_admin_can_do_everything(gql: GraphQL, settings: Settings) -> None:
    admin = await app_token(settings, await make_brand(), "admin")
    created = await create_customer(gql, admin, name="A", phone="13800138000")
    assert created["phone"] == "+8613800138000"
    body = await gql.data(
        'mutation { updateBrand(input: {displayName: "Acme Coffee"}) { brand { displayName } } }',
        token=admin,
    )
    assert body["updateBrand"]["brand"] == {"displayName": "Acme Coffee"}


async def test_no_token_is_unauthenticated_but_brand_is_public(gql: GraphQL) -> None:
    await make_brand("acme", primary_color="#112233", currency="CNY")
    assert error_codes(await gql.post("{ customers { totalCount } }")) == ["UNAUTHENTICATED"]
    assert error_codes(await gql.post(CREATE)) == ["UNAUTHENTICATED"]
    body = await gql.data('{ brand(slug: "acme") { slug displayName primaryColor currency } }')
    assert body["brand"] == {
        "slug": "acme",
        "displayName": "Acme",
        "primaryColor": "#112233",
        "currency": "CNY",
    }
    assert (await gql.data('{ brand(slug: "nope") { slug } }'))["brand"] is None


async def _profile(gql: GraphQL, token: str) -> str:
    created = await create_customer(
        gql,
        token,
        name="Jane",
        phone="+86 138 0013 8000",
        email="jane@example.com",
        birthday="1990-05-17",
        address="Shanghai, Nanjing Road 1",
    )
    return str(created["id"])


async def test_pii_is_masked_without_pii_read(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    customer_id = await _profile(gql, await app_token(settings, brand, "customers:write"))
    reader = await app_token(settings, brand, "customers:read")
    masked = await gql.data(PII, {"id": customer_id}, reader)
    assert masked["customer"] == {
        "name": "Jane",
        "phone": "+86 138****8000",
        "email": "j***@example.com",
        "birthday": None,
        "birthMonth": 5,
        "address": "Sha***",
    }
    clear_token = await app_token(settings, brand, "customers:read pii:read")
    clear = (await gql.data(PII, {"id": customer_id}, clear_token))["customer"]
    assert clear == {
        "name": "Jane",
        "phone": "+8613800138000",
        "email": "jane@example.com",
        "birthday": "1990-05-17",
        "birthMonth": 5,
        "address": "Shanghai, Nanjing Road 1",
    }


async def test_listing_and_search_mask_too(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    await _profile(gql, await app_token(settings, brand, "customers:write"))
    reader = await app_token(settings, brand, "customers:read")
    body = await gql.data(
        '{ customers(filter: {search: "jane"}) { edges { node { phone email } } } }', token=reader
    )
    assert [e["node"] for e in body["customers"]["edges"]] == [
        {"phone": "+86 138****8000", "email": "j***@example.com"}
    ]


async def test_brand_isolation(gql: GraphQL, settings: Settings) -> None:
    token_a = await app_token(settings, await make_brand("brand-a"), "admin")
    token_b = await app_token(settings, await make_brand("brand-b"), "admin")
    a = await create_customer(gql, token_a, name="A", tags=["vip"])
    b = await create_customer(gql, token_b, name="B")
    ids = {"id": a["id"]}
    assert (await gql.data(PII, ids, token_b))["customer"] is None
    node = await gql.data("query($id: ID!) { node(id: $id) { id } }", ids, token_b)
    assert node["node"] is None
    listing = await gql.data("{ customers { edges { node { id } } } }", token=token_b)
    assert [e["node"]["id"] for e in listing["customers"]["edges"]] == [b["id"]]
    attempts: list[tuple[str, dict[str, Any], str]] = [
        (
            'mutation($id: ID!) { updateCustomer(input: {id: $id, name: "Hacked"}) '
            "{ errors { code } } }",
            ids,
            "updateCustomer",
        ),
        (
            "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { errors { code } } }",
            ids,
            "deleteCustomer",
        ),
        (
            'mutation($id: ID!) { tagCustomers(input: {customerIds: [$id], remove: ["vip"]}) '
            "{ errors { code } } }",
            ids,
            "tagCustomers",
        ),
        (
            "mutation($s: ID!, $t: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $t}) "
            "{ errors { code } } }",
            {"s": a["id"], "t": b["id"]},
            "mergeCustomers",
        ),
        (
            'mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "x"}) '
            "{ errors { code } } }",
            ids,
            "addCustomerNote",
        ),
    ]
    for query, variables, name in attempts:
        payload = (await gql.data(query, variables, token_b))[name]
        assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"], name
    after = await gql.data(
        "query($id: ID!) { customer(id: $id) { name tags notes { body } } }", ids, token_a
    )
    assert after["customer"] == {"name": "A", "tags": ["vip"], "notes": []}
    assert (await gql.data(PII, {"id": b["id"]}, token_b))["customer"]["name"] == "B"


async def test_node_needs_the_types_read_scope(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    a = await create_customer(gql, await app_token(settings, brand), name="A")
    query = "query($id: ID!) { node(id: $id) { id ... on Customer { name } } }"
    body = await gql.post(query, {"id": a["id"]}, await app_token(settings, brand, "points:read"))
    assert error_codes(body) == ["FORBIDDEN"]
    reader = await app_token(settings, brand, "customers:read")
    assert (await gql.data(query, {"id": a["id"]}, reader))["node"] == {"id": a["id"], "name": "A"}


async def _staff(role: str) -> None:
    brand = await make_brand("salon")
    await brands.create_staff_user(brand, f"{role.lower()}@salon.example", "correct horse", role)


@pytest.mark.parametrize("role", sorted(ROLE_SCOPES))
async def test_staff_login_gets_role_scopes(gql: GraphQL, role: str) -> None:
    await _staff(role)
    email = f"{role.lower()}@salon.example"
    variables = {"brand": "salon", "email": email.upper(), "password": "correct horse"}
    payload = (await gql.data(LOGIN, variables))["login"]
    assert payload["errors"] == []
    assert payload["scopes"] == sorted(ROLE_SCOPES[role])
    assert payload["user"] == {"email": email, "role": role}
    viewer = (await gql.data("{ viewer { kind brand scopes } }", token=payload["token"]))["viewer"]
    assert viewer == {"kind": "user", "brand": "salon", "scopes": sorted(ROLE_SCOPES[role])}


@pytest.mark.parametrize(
    ("brand", "email", "password"),
    [
        ("salon", "agent@salon.example", "wrong password"),
        ("salon", "nobody@salon.example", "correct horse"),
        ("other", "agent@salon.example", "correct horse"),
    ],
)
async def test_bad_login_is_invalid_credentials(
    gql: GraphQL, brand: str, email: str, password: str
) -> None:
    await _staff("AGENT")
    await make_brand("other")
    variables = {"brand": brand, "email": email, "password": password}
    payload = (await gql.data(LOGIN, variables))["login"]
    assert payload == {
        "token": None,
        "scopes": [],
        "user": None,
        "errors": [{"code": "INVALID_CREDENTIALS"}],
    }


async def test_analyst_sees_masked_pii(gql: GraphQL, settings: Settings) -> None:
    await _staff("ANALYST")
    brand = await brands.get_brand("salon")
    assert brand is not None
    customer_id = await _profile(gql, await app_token(settings, brand, "customers:write"))
    variables = {"brand": "salon", "email": "analyst@salon.example", "password": "correct horse"}
    token = (await gql.data(LOGIN, variables))["login"]["token"]
    seen = (await gql.data(PII, {"id": customer_id}, token))["customer"]
    assert (seen["phone"], seen["email"], seen["birthday"]) == (
        "+86 138****8000",
        "j***@example.com",
        None,
    )
    assert error_codes(await gql.post(CREATE, token=token)) == ["FORBIDDEN"]


async def test_every_mutation_is_audited_with_the_request_id(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    created = await brands.create_app(brand, "POS", ["admin"])
    token = mint(settings, created.app.id, brand.slug, "admin")
    headers = {"Authorization": f"Bearer {token}", "X-Request-ID": "req-create-1"}
    response = await gql.http.post(
        "/graphql",
        headers=headers,
        json={"query": 'mutation { createCustomer(input: {name: "Li"}) { customer { id } } }'},
    )
    assert response.headers["x-request-id"] == "req-create-1"
    customer_id = response.json()["data"]["createCustomer"]["customer"]["id"]
    ops = [
        (
            'mutation($id: ID!) { updateCustomer(input: {id: $id, name: "Wei"})'
            " { errors { code } } }",
            {"id": customer_id},
        ),
        (
            'mutation($id: ID!) { tagCustomers(input: {customerIds: [$id], add: ["x"]}) '
            "{ errors { code } } }",
            {"id": customer_id},
        ),
        (
            'mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "n"}) '
            "{ errors { code } } }",
            {"id": customer_id},
        ),
        ('mutation { updateBrand(input: {displayName: "Acme!"}) { errors { code } } }', {}),
        ('mutation { revokeToken(input: {jti: "abc"}) { errors { code } } }', {}),
        (
            "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { errors { code } } }",
            {"id": customer_id},
        ),
    ]
    for query, variables in ops:
        await gql.data(query, variables, token)
    rows = await AuditEntry.all().order_by("id")
    assert [r.operation for r in rows] == [
        "createCustomer",
        "updateCustomer",
        "tagCustomers",
        "addCustomerNote",
        "updateBrand",
        "revokeToken",
        "deleteCustomer",
    ]
    assert {(r.brand_id, r.principal_kind, r.principal_id) for r in rows} == {
        (brand.id, "app", str(created.app.id))
    }
    assert rows[0].request_id == "req-create-1"
    assert rows[0].target_type == "Customer" and rows[0].target_id
    assert (rows[5].target_type, rows[5].target_id) == ("Token", "abc")
    assert len({r.request_id for r in rows}) == len(rows)


async def test_refused_mutation_is_not_audited(gql: GraphQL, settings: Settings) -> None:
    reader = await app_token(settings, await make_brand(), "customers:read")
    await gql.post(CREATE, token=reader)
    assert await AuditEntry.all().count() == 0


async def test_customer_token_sees_only_its_own_pii(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    writer = await app_token(settings, brand, "customers:write")
    own_id = await _profile(gql, writer)
    other = await create_customer(gql, writer, name="Bob", phone="13900139000", email="b@x.cn")
    own = await Customer.get(brand_id=brand.id, name="Jane")
    scopes = frozenset({"customers:read"})
    token = issue_token(settings, "customer", own.id, brand.slug, scopes, 600).token
    mine = (await gql.data(PII, {"id": own_id}, token))["customer"]
    assert (mine["phone"], mine["email"]) == ("+8613800138000", "jane@example.com")
    theirs = (await gql.data(PII, {"id": other["id"]}, token))["customer"]
    assert (theirs["phone"], theirs["email"]) == ("+86 139****9000", "b***@x.cn")
