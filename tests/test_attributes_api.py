"""Custom attributes through the API: definitions, typed values on create and update, masking,
filters, segments on every type, erasure with the customer."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise.transactions import in_transaction

from config import Settings
from models import AuditEntry
from models.attributes import CustomerAttributeValue
from resolvers.ids import decode_id
from services.attributes import values as attribute_values
from services.common.actor import Actor
from tests.conftest import ON_POSTGRES
from tests.support import GraphQL, app_token, create_customer, make_brand

DEFINE = """
mutation($input: DefineCustomerAttributeInput!) { defineCustomerAttribute(input: $input) {
  attribute { key label type options isPii isRequired } errors { field code message } } }
"""
LIST = "{ customerAttributes { key type options isPii isRequired } }"
CREATE = """
mutation($input: CreateCustomerInput!) { createCustomer(input: $input) {
  customer { id attributes { key type value masked } } errors { field code message } } }
"""
UPDATE = """
mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  customer { id attributes { key value } } errors { field code message } } }
"""
READ = "query($id: ID!) { customer(id: $id) { name attributes { key label value masked } } }"
FILTER = """
query($f: CustomerFilter) { customers(first: 50, filter: $f) {
  totalCount edges { node { name } } } }
"""
PREVIEW = """
query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { size sample(first: 20) { name } } }
"""
SEGMENT = """
mutation($input: CreateSegmentInput!) { createSegment(input: $input) {
  segment { id size } errors { field code message } } }
"""
DELETE = (
    "mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) { errors { code } } }"
)

DEFINITIONS: list[dict[str, Any]] = [
    {"key": "shoeSize", "type": "NUMBER"},
    {"key": "student", "type": "BOOLEAN"},
    {"key": "signup", "type": "DATE", "label": "Signed up in the old programme"},
    {"key": "drink", "type": "ENUM", "options": ["latte", "mocha", "tea"]},
    {"key": "nickname", "type": "STRING"},
    {"key": "idCard", "type": "STRING", "isPii": True},
]


async def define_all(gql: GraphQL, token: str) -> None:
    for item in DEFINITIONS:
        body = await gql.data(DEFINE, {"input": item}, token)
        assert body["defineCustomerAttribute"]["errors"] == [], item


def attrs(**values: Any) -> list[dict[str, Any]]:
    return [{"key": k, "value": v} for k, v in values.items()]


async def test_definitions_are_listed_and_changes_audited(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await define_all(gql, token)
    listed = (await gql.data(LIST, token=token))["customerAttributes"]
    assert [a["key"] for a in listed] == sorted(d["key"] for d in DEFINITIONS)
    assert next(a for a in listed if a["key"] == "drink")["options"] == ["latte", "mocha", "tea"]
    changed = await gql.data(
        DEFINE,
        {"input": {"key": "drink", "type": "ENUM", "options": ["latte", "mocha", "tea", "flat"]}},
        token,
    )
    assert changed["defineCustomerAttribute"]["attribute"]["options"][-1] == "flat"
    retyped = await gql.data(DEFINE, {"input": {"key": "drink", "type": "STRING"}}, token)
    assert [e["code"] for e in retyped["defineCustomerAttribute"]["errors"]] == ["CONFLICT"]
    bad = await gql.data(
        DEFINE, {"input": {"key": "9 lives", "type": "ENUM", "options": []}}, token
    )
    assert {e["field"] for e in bad["defineCustomerAttribute"]["errors"]} == {"key", "options"}
    operations = await AuditEntry.filter(brand_id=brand.id, target_type="CustomerAttribute")
    assert sorted(a.operation for a in operations).count("defineCustomerAttribute") == 6
    assert [a.details["changed"] for a in operations if a.operation.startswith("re")] == [
        ["options"]
    ]


async def test_values_of_every_type_are_set_read_and_refused_by_key(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await define_all(gql, token)
    values = attrs(shoeSize=38.5, student=True, signup="2021-05-04", drink="mocha", nickname="Li")
    created = (await gql.data(CREATE, {"input": {"name": "Li", "attributes": values}}, token))[
        "createCustomer"
    ]
    assert created["errors"] == []
    assert created["customer"]["attributes"] == [
        {"key": "drink", "type": "ENUM", "value": "mocha", "masked": False},
        {"key": "nickname", "type": "STRING", "value": "Li", "masked": False},
        {"key": "shoeSize", "type": "NUMBER", "value": 38.5, "masked": False},
        {"key": "signup", "type": "DATE", "value": "2021-05-04", "masked": False},
        {"key": "student", "type": "BOOLEAN", "value": True, "masked": False},
    ]
    wrong = attrs(shoeSize="big", student="yes", signup="May 2021", drink="beer", colour="red")
    refused = (
        await gql.data(
            CREATE, {"input": {"name": "X", "email": "not-an-email", "attributes": wrong}}, token
        )
    )["createCustomer"]
    assert sorted((e["field"], e["code"]) for e in refused["errors"]) == [
        ("attributes.colour", "UNKNOWN_ATTRIBUTE"),
        ("attributes.drink", "WRONG_ATTRIBUTE_TYPE"),
        ("attributes.shoeSize", "WRONG_ATTRIBUTE_TYPE"),
        ("attributes.signup", "WRONG_ATTRIBUTE_TYPE"),
        ("attributes.student", "WRONG_ATTRIBUTE_TYPE"),
        ("email", "INVALID"),  # all the problems of the input at once
    ]
    assert "'shoeSize' is NUMBER" in next(
        e["message"] for e in refused["errors"] if e["field"] == "attributes.shoeSize"
    )

    updated = (
        await gql.data(
            UPDATE,
            {
                "input": {
                    "id": created["customer"]["id"],
                    "attributes": attrs(shoeSize=40, nickname=None),
                }
            },
            token,
        )
    )["updateCustomer"]
    assert updated["errors"] == []
    assert {a["key"]: a["value"] for a in updated["customer"]["attributes"]} == {
        "drink": "mocha",
        "shoeSize": 40,
        "signup": "2021-05-04",
        "student": True,
    }


async def test_required_attributes_and_pii_masking(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(settings, brand)
    await define_all(gql, admin)
    body = await gql.data(
        DEFINE, {"input": {"key": "tier0", "type": "STRING", "isRequired": True}}, admin
    )
    assert body["defineCustomerAttribute"]["errors"] == []
    missing = (await gql.data(CREATE, {"input": {"name": "Li"}}, admin))["createCustomer"]
    assert [(e["field"], e["code"]) for e in missing["errors"]] == [
        ("attributes.tier0", "REQUIRED")
    ]
    created = (
        await gql.data(
            CREATE,
            {"input": {"name": "Li", "attributes": attrs(tier0="x", idCard="110101199003077777")}},
            admin,
        )
    )["createCustomer"]
    cid = created["customer"]["id"]
    partner = await app_token(settings, brand, "customers:read")
    seen = (await gql.data(READ, {"id": cid}, partner))["customer"]["attributes"]
    assert {"key": "idCard", "label": "idCard", "value": None, "masked": True} in seen
    assert {"key": "tier0", "label": "tier0", "value": "x", "masked": False} in seen
    full = (await gql.data(READ, {"id": cid}, admin))["customer"]["attributes"]
    assert {
        "key": "idCard",
        "label": "idCard",
        "value": "110101199003077777",
        "masked": False,
    } in full
    probing = await gql.post(
        FILTER, {"f": {"attributes": [{"key": "idCard", "equals": "1"}]}}, partner
    )
    assert probing["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "pii:read" in probing["errors"][0]["message"]


async def people(gql: GraphQL, token: str) -> dict[str, str]:
    rows = {
        "Ann": attrs(shoeSize=36, student=True, signup="2020-01-10", drink="latte"),
        "Bo": attrs(shoeSize=40, student=False, signup="2022-06-01", drink="mocha"),
        "Cy": attrs(shoeSize=44.5, signup="2024-12-31", drink="tea", nickname="cy"),
        "Di": [],
    }
    ids = {}
    for name, values in rows.items():
        created = await create_customer(gql, token, name=name, attributes=values)
        ids[name] = created["id"]
    return ids


async def names(gql: GraphQL, token: str, *conditions: dict[str, Any]) -> list[str]:
    body = await gql.data(FILTER, {"f": {"attributes": list(conditions)}}, token)
    found = body["customers"]
    assert found["totalCount"] == len(found["edges"])
    return sorted(e["node"]["name"] for e in found["edges"])


async def test_customers_filter_by_attributes(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await define_all(gql, token)
    await people(gql, token)
    assert await names(gql, token, {"key": "shoeSize", "min": 38}) == ["Bo", "Cy"]
    assert await names(gql, token, {"key": "shoeSize", "min": 36, "max": 40}) == ["Ann", "Bo"]
    assert await names(gql, token, {"key": "student", "equals": True}) == ["Ann"]
    assert await names(gql, token, {"key": "student", "isSet": False}) == ["Cy", "Di"]
    assert await names(gql, token, {"key": "drink", "in": ["latte", "tea"]}) == ["Ann", "Cy"]
    assert await names(gql, token, {"key": "signup", "max": "2022-06-01"}) == ["Ann", "Bo"]
    assert await names(
        gql, token, {"key": "signup", "min": "2021-01-01"}, {"key": "nickname", "isSet": True}
    ) == ["Cy"]
    unknown = await gql.post(FILTER, {"f": {"attributes": [{"key": "size", "equals": 1}]}}, token)
    assert unknown["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "attributes.size" in unknown["errors"][0]["message"]
    wrong = await gql.post(
        FILTER, {"f": {"attributes": [{"key": "shoeSize", "equals": "x"}]}}, token
    )
    assert "shoeSize" in wrong["errors"][0]["message"]


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"key": "shoeSize", "min": 40}, ["Bo", "Cy"]),
        ({"key": "shoeSize", "equals": 36}, ["Ann"]),
        ({"key": "student", "equals": False}, ["Bo"]),
        ({"key": "signup", "min": "2021-01-01", "max": "2023-01-01"}, ["Bo"]),
        ({"key": "drink", "in": ["mocha", "tea"]}, ["Bo", "Cy"]),
        ({"key": "nickname", "equals": "cy"}, ["Cy"]),
        ({"key": "nickname", "isSet": True}, ["Cy"]),
    ],
)
async def test_segment_rules_on_attributes_of_every_type(
    gql: GraphQL, settings: Settings, condition: dict[str, Any], expected: list[str]
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await define_all(gql, token)
    await people(gql, token)
    preview = (await gql.data(PREVIEW, {"rule": {"attribute": condition}}, token))["previewSegment"]
    assert sorted(c["name"] for c in preview["sample"]) == expected
    assert preview["size"] == len(expected)
    negated = await gql.data(PREVIEW, {"rule": {"not": {"attribute": condition}}}, token)
    assert negated["previewSegment"]["size"] == 4 - len(expected)
    saved = (
        await gql.data(SEGMENT, {"input": {"name": "s", "rule": {"attribute": condition}}}, token)
    )["createSegment"]
    assert saved["errors"] == [] and saved["segment"]["size"] == len(expected)


async def test_segment_rules_name_unknown_keys_and_wrong_types(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    await define_all(gql, token)
    cases = [
        ({"key": "size", "equals": 1}, "UNKNOWN_ATTRIBUTE"),
        ({"key": "shoeSize", "equals": "big"}, "WRONG_ATTRIBUTE_TYPE"),
        ({"key": "signup", "min": 2020}, "WRONG_ATTRIBUTE_TYPE"),
        ({"key": "drink", "in": ["beer"]}, "WRONG_ATTRIBUTE_TYPE"),
        ({"key": "nickname", "min": "a"}, "INVALID"),
        ({"key": "shoeSize", "equals": 1, "isSet": True}, "INVALID"),
    ]
    for condition, code in cases:
        body = await gql.data(
            SEGMENT, {"input": {"name": "s", "rule": {"attribute": condition}}}, token
        )
        errors = body["createSegment"]["errors"]
        assert [e["code"] for e in errors] == [code], (condition, errors)
        assert errors[0]["field"] == "rule.attribute"


async def test_attributes_are_plain_data_for_exports_and_erased_with_the_customer(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await define_all(gql, token)
    ids = await people(gql, token)
    ann = decode_id(ids["Ann"], "Customer")
    assert await attribute_values.attributes_of(brand.id, ann) == {
        "drink": "latte",
        "shoeSize": 36,
        "signup": "2020-01-10",
        "student": True,
    }
    bo = decode_id(ids["Bo"], "Customer")
    assert await attribute_values.erase_attributes(Actor.system(brand.id), bo) == 4
    assert await attribute_values.attributes_of(brand.id, bo) == {}
    assert (await gql.data(DELETE, {"input": {"id": ids["Ann"]}}, token))["deleteCustomer"][
        "errors"
    ] == []
    assert not await CustomerAttributeValue.filter(customer_id=ann).exists()


@pytest.mark.skipif(not ON_POSTGRES, reason="EXPLAIN of PostgreSQL")
async def test_attribute_filters_go_through_the_value_index_on_postgres(
    gql: GraphQL, settings: Settings
) -> None:
    """Seq scans off: PostgreSQL must still find a plan, i.e. the index fits the filter's
    shape (bench/import_scale.py shows the plan chosen at 100,000 members)."""
    from services.attributes.filters import AttributeCondition, holders

    brand = await make_brand()
    token = await app_token(settings, brand)
    await define_all(gql, token)
    await people(gql, token)
    attribute = (await attribute_values.definitions(brand.id))["shoeSize"]
    sql = holders(
        AttributeCondition(attribute, min=attribute_values.clean_value(attribute, 38))
    ).sql(params_inline=True)
    async with in_transaction() as conn:  # SET LOCAL: this transaction's connection only
        await conn.execute_script("SET LOCAL enable_seqscan = off")
        plan = await conn.execute_query_dict(f"EXPLAIN {sql}")
    text = "\n".join(row["QUERY PLAN"] for row in plan)
    assert "Index" in text and "customer_attribute_values" in text, text


async def test_an_attribute_is_a_node_of_its_own_brand_only(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand("acme"))
    await define_all(gql, token)
    listed = (await gql.data("{ customerAttributes { id key } }", token=token))[
        "customerAttributes"
    ]
    drink = next(a for a in listed if a["key"] == "drink")
    node = "query($id: ID!) { node(id: $id) { id ... on CustomerAttribute { key options } } }"
    found = (await gql.data(node, {"id": drink["id"]}, token))["node"]
    assert found == {"id": drink["id"], "key": "drink", "options": ["latte", "mocha", "tea"]}
    other = await app_token(settings, await make_brand("rival"))
    assert (await gql.data(node, {"id": drink["id"]}, other))["node"] is None
