from __future__ import annotations

from config import Settings
from tests.support import GraphQL, app_token, create_customer, make_brand

CUSTOMER = """
query($id: ID!) { customer(id: $id) { id name phone email birthday birthMonth tags
  externalIds { system externalId } notes { body author } timeline { kind summary } } }
"""


async def test_create_normalises_phone_and_email(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    created = await create_customer(
        gql,
        token,
        name="Li Wei",
        phone="+86 138 0013 8000",
        email="Li.Wei@Example.COM",
        tags=["vip", "vip", "coffee"],
    )
    assert created["phone"] == "+8613800138000"
    assert created["email"] == "li.wei@example.com"
    assert sorted(created["tags"]) == ["coffee", "vip"]


async def test_same_phone_in_another_format_is_a_duplicate(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    first = await create_customer(gql, token, name="Li Wei", phone="+86 138 0013 8000")
    body = await gql.data(
        """mutation { createCustomer(input: {name: "Other", phone: "13800138000"}) {
             customer { id } errors { field code message relatedId } } }""",
        token=token,
    )
    payload = body["createCustomer"]
    assert payload["customer"] is None
    assert payload["errors"][0]["code"] == "DUPLICATE"
    assert payload["errors"][0]["field"] == "phone"
    assert payload["errors"][0]["relatedId"] == first["id"]
    listing = await gql.data("{ customers { totalCount } }", token=token)
    assert listing["customers"]["totalCount"] == 1


async def test_same_phone_in_two_brands_is_allowed(gql: GraphQL, settings: Settings) -> None:
    token_a = await app_token(settings, await make_brand("brand-a"))
    token_b = await app_token(settings, await make_brand("brand-b"))
    await create_customer(gql, token_a, name="A", phone="13800138000")
    await create_customer(gql, token_b, name="B", phone="13800138000")


async def test_invalid_input_reports_every_field_and_writes_nothing(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.data(
        """mutation { createCustomer(input: {name: "  ", phone: "12", email: "not-an-email",
             birthday: "2999-01-01", tags: [""]}) { customer { id } errors { field code } } }""",
        token=token,
    )
    errors = {(e["field"], e["code"]) for e in body["createCustomer"]["errors"]}
    assert errors == {
        ("name", "REQUIRED"),
        ("phone", "INVALID"),
        ("email", "INVALID"),
        ("birthday", "INVALID"),
        ("tags", "INVALID"),
    }
    assert (await gql.data("{ customers { totalCount } }", token=token))["customers"][
        "totalCount"
    ] == 0


async def test_update_changes_only_given_fields(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    created = await create_customer(gql, token, name="Li", email="li@example.com", city="Xi'an")
    body = await gql.data(
        """mutation($id: ID!) { updateCustomer(input: {id: $id, name: "Li Wei", city: null,
             externalIds: [{system: "pos", externalId: "P-1"}]}) {
             customer { name email city externalIds { system externalId } } errors { code } } }""",
        {"id": created["id"]},
        token,
    )
    customer = body["updateCustomer"]["customer"]
    assert customer == {
        "name": "Li Wei",
        "email": "li@example.com",
        "city": None,
        "externalIds": [{"system": "pos", "externalId": "P-1"}],
    }


async def test_update_to_a_taken_email_is_a_duplicate(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    await create_customer(gql, token, name="A", email="a@example.com")
    b = await create_customer(gql, token, name="B", email="b@example.com")
    body = await gql.data(
        """mutation($id: ID!) { updateCustomer(input: {id: $id, email: "A@example.com",
             name: "Renamed"}) { customer { id } errors { field code } } }""",
        {"id": b["id"]},
        token,
    )
    assert body["updateCustomer"]["errors"] == [{"field": "email", "code": "DUPLICATE"}]
    after = await gql.data(CUSTOMER, {"id": b["id"]}, token)
    assert after["customer"]["name"] == "B"


async def test_external_id_is_unique_per_system(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    await create_customer(gql, token, name="A", externalIds=[{"system": "pos", "externalId": "7"}])
    body = await gql.data(
        """mutation { createCustomer(input: {name: "B",
             externalIds: [{system: "pos", externalId: "7"}]}) { errors { field code } } }""",
        token=token,
    )
    assert body["createCustomer"]["errors"] == [{"field": "externalIds", "code": "DUPLICATE"}]
    found = await gql.data(
        """{ customers(filter: {externalId: {system: "pos", externalId: "7"}}) {
             edges { node { name } } } }""",
        token=token,
    )
    assert [e["node"]["name"] for e in found["customers"]["edges"]] == ["A"]


async def test_notes_tags_and_timeline(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    a = await create_customer(gql, token, name="A")
    b = await create_customer(gql, token, name="B", tags=["old"])
    note = await gql.data(
        """mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "Prefers oat milk"})
             { note { body author } errors { code } } }""",
        {"id": a["id"]},
        token,
    )
    assert note["addCustomerNote"]["note"]["body"] == "Prefers oat milk"
    assert note["addCustomerNote"]["note"]["author"].startswith("app:")
    tagged = await gql.data(
        """mutation($ids: [ID!]!) { tagCustomers(input: {customerIds: $ids, add: ["gold"],
             remove: ["old"]}) { customers { name tags } errors { code } } }""",
        {"ids": [a["id"], b["id"]]},
        token,
    )
    assert tagged["tagCustomers"]["customers"] == [
        {"name": "A", "tags": ["gold"]},
        {"name": "B", "tags": ["gold"]},
    ]
    timeline = (await gql.data(CUSTOMER, {"id": a["id"]}, token))["customer"]["timeline"]
    assert [entry["kind"] for entry in timeline] == ["tagCustomers", "NOTE", "createCustomer"]


async def test_empty_note_is_refused(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    a = await create_customer(gql, token, name="A")
    body = await gql.data(
        """mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "   "})
             { note { body } errors { field code } } }""",
        {"id": a["id"]},
        token,
    )
    assert body["addCustomerNote"] == {
        "note": None,
        "errors": [{"field": "body", "code": "REQUIRED"}],
    }


async def test_merge_moves_everything_onto_the_target(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    source = await create_customer(
        gql,
        token,
        name="Li (app)",
        phone="13800138000",
        tags=["app"],
        externalIds=[{"system": "shop", "externalId": "S-9"}],
    )
    target = await create_customer(gql, token, name="Li Wei", email="li@example.com", tags=["pos"])
    await gql.data(
        """mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "from app"})
             { errors { code } } }""",
        {"id": source["id"]},
        token,
    )
    body = await gql.data(
        """mutation($s: ID!, $t: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $t}) {
             customer { id name phone email tags externalIds { system externalId } notes { body } }
             errors { code } } }""",
        {"s": source["id"], "t": target["id"]},
        token,
    )
    merged = body["mergeCustomers"]["customer"]
    assert merged["id"] == target["id"]
    assert merged["name"] == "Li Wei"
    assert merged["phone"] == "+8613800138000"
    assert merged["email"] == "li@example.com"
    assert sorted(merged["tags"]) == ["app", "pos"]
    assert merged["externalIds"] == [{"system": "shop", "externalId": "S-9"}]
    assert [n["body"] for n in merged["notes"]] == ["from app"]
    gone = await gql.data(CUSTOMER, {"id": source["id"]}, token)
    assert gone["customer"] is None


async def test_merge_into_itself_is_refused(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    a = await create_customer(gql, token, name="A")
    body = await gql.data(
        """mutation($s: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $s}) {
             customer { id } errors { field code } } }""",
        {"s": a["id"]},
        token,
    )
    assert body["mergeCustomers"]["errors"] == [{"field": "sourceId", "code": "INVALID"}]


async def test_delete_erases_the_customer(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    a = await create_customer(gql, token, name="A", phone="13800138000", tags=["x"])
    body = await gql.data(
        """mutation($id: ID!) { deleteCustomer(input: {id: $id}) { deletedId errors { code } } }""",
        {"id": a["id"]},
        token,
    )
    assert body["deleteCustomer"] == {"deletedId": a["id"], "errors": []}
    assert (await gql.data(CUSTOMER, {"id": a["id"]}, token))["customer"] is None
    again = await create_customer(gql, token, name="A again", phone="13800138000")
    assert again["tags"] == []


async def test_unknown_customer_gets_not_found(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    body = await gql.data(
        """mutation { updateCustomer(input: {id: "Q3VzdG9tZXI6OTk5OTk=", name: "x"}) {
             errors { field code } } }""",
        token=token,
    )
    assert body["updateCustomer"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
