"""Segments through the GraphQL API: CRUD, evaluation, preview, pagination, isolation, scopes."""

from __future__ import annotations

from typing import Any

from config import Settings
from models import AuditEntry, Brand
from models.offers import Offer
from resolvers.ids import to_global_id
from services.loyalty import config as loyalty_config
from tests.loyalty_support import record
from tests.querycount import count_statements
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

CREATE = """
mutation($input: CreateSegmentInput!) { createSegment(input: $input) {
  segment { id name description rule createdBy size }
  errors { field code message relatedId } } }
"""
UPDATE = """
mutation($input: UpdateSegmentInput!) { updateSegment(input: $input) {
  segment { id name description rule size } errors { field code message } } }
"""
DELETE = """
mutation($input: DeleteSegmentInput!) { deleteSegment(input: $input) {
  deletedId errors { field code message } } }
"""
SEGMENT = """
query($id: ID!, $first: Int, $after: String) { segment(id: $id) {
  id name rule size
  members(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id name phone } } } } }
"""
LIST = """
query($first: Int, $after: String) { segments(first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }
"""
PREVIEW = """
query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) {
  size sample(first: 2) { name phone } } }
"""
SHANGHAI_COFFEE = {"and": [{"city": {"in": ["Shanghai"]}}, {"tags": {"any": ["coffee"]}}]}


async def _people(gql: GraphQL, token: str) -> dict[str, str]:
    ids = {}
    for i, (name, city, tags) in enumerate(
        [
            ("Ann", "Shanghai", ["coffee"]),
            ("Bea", "Shanghai", ["coffee", "vip"]),
            ("Cid", "Shanghai", []),
            ("Dee", "Beijing", ["coffee"]),
            ("Eli", "Shanghai", ["coffee"]),
        ]
    ):
        phone = f"+861380013{8000 + i}"
        found = await create_customer(gql, token, name=name, city=city, tags=tags, phone=phone)
        ids[name] = found["id"]
    return ids


async def _create(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql.data(CREATE, {"input": fields}, token)
    result: dict[str, Any] = body["createSegment"]
    return result


async def test_create_read_and_page_members(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    ids = await _people(gql, token)
    created = await _create(gql, token, name="Shanghai coffee", rule=SHANGHAI_COFFEE)
    assert created["errors"] == []
    segment = created["segment"]
    assert segment["name"] == "Shanghai coffee"
    assert segment["rule"] == SHANGHAI_COFFEE
    assert segment["size"] == 3
    assert segment["createdBy"].startswith("app:")

    seen: list[str] = []
    after = None
    for _ in range(3):
        body = await gql.data(SEGMENT, {"id": segment["id"], "first": 2, "after": after}, token)
        members = body["segment"]["members"]
        assert members["totalCount"] == 3
        seen += [edge["node"]["name"] for edge in members["edges"]]
        after = members["pageInfo"]["endCursor"]
        if not members["pageInfo"]["hasNextPage"]:
            break
    assert seen == ["Ann", "Bea", "Eli"]
    assert ids["Ann"] != ids["Bea"]
    audit = await AuditEntry.filter(brand_id=brand.id, operation="createSegment").count()
    assert audit == 1


async def test_malformed_rule_names_the_node(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)  # the default ladder: no tier configured yet
    bad = {"and": [{"city": {"in": ["X"]}}, {"not": {"tier": {"in": ["Gold"]}, "city": None}}]}
    two_keys = {
        "and": [
            {"city": {"in": ["X"]}},
            {"not": {"tier": {"atLeast": "Gold"}, "gender": {"in": ["MALE"]}}},
        ]
    }
    result = await _create(gql, token, name="bad", rule=two_keys)
    assert result["segment"] is None
    [error] = result["errors"]
    assert error["field"] == "rule.and[1].not"
    assert error["code"] == "INVALID"
    assert "rule.and[1].not" in error["message"] and "exactly one" in error["message"]

    empty = await _create(gql, token, name="bad", rule={"or": [{"tier": {}}]})
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("rule.or[0].tier", "INVALID")]

    unknown = await _create(gql, token, name="bad", rule={"not": {"tier": {"in": ["Mud"]}}})
    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [
        ("rule.not.tier", "UNKNOWN_TIER")
    ]
    ok = await _create(gql, token, name="fine", rule=bad)
    assert ok["errors"] == []
    coupon = {"hasCoupon": {"offerId": to_global_id("Ticket", 1)}}
    wrong_id = await _create(gql, token, name="bad", rule={"or": [coupon]})
    assert [e["field"] for e in wrong_id["errors"]] == ["rule.or[0].hasCoupon"]
    assert await AuditEntry.filter(brand_id=brand.id, operation="createSegment").count() == 1


async def test_duplicate_names_and_update(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    await _people(gql, token)
    first = (await _create(gql, token, name="A", rule=SHANGHAI_COFFEE))["segment"]
    second = (await _create(gql, token, name="B", rule={"city": {"in": ["Beijing"]}}))["segment"]
    dup = await _create(gql, token, name="A", rule=SHANGHAI_COFFEE)
    assert [(e["code"], e["relatedId"]) for e in dup["errors"]] == [("DUPLICATE", first["id"])]

    renamed = await gql.data(UPDATE, {"input": {"id": second["id"], "name": "A"}}, token)
    assert [e["code"] for e in renamed["updateSegment"]["errors"]] == ["DUPLICATE"]
    bad = await gql.data(
        UPDATE, {"input": {"id": second["id"], "rule": {"ageBand": {"min": 9, "max": 1}}}}, token
    )
    assert [e["field"] for e in bad["updateSegment"]["errors"]] == ["rule.ageBand"]
    changed = await gql.data(
        UPDATE,
        {
            "input": {
                "id": second["id"],
                "description": "all but Beijing",
                "rule": {"not": {"city": {"in": ["beijing"]}}},
            }
        },
        token,
    )
    segment = changed["updateSegment"]["segment"]
    assert segment["name"] == "B" and segment["description"] == "all but Beijing"
    assert segment["size"] == 4

    deleted = await gql.data(DELETE, {"input": {"id": second["id"]}}, token)
    assert deleted["deleteSegment"] == {"deletedId": second["id"], "errors": []}
    assert (await gql.data(SEGMENT, {"id": second["id"]}, token))["segment"] is None
    again = await gql.data(DELETE, {"input": {"id": second["id"]}}, token)
    assert [e["code"] for e in again["deleteSegment"]["errors"]] == ["NOT_FOUND"]
    operations = await AuditEntry.filter(brand_id=brand.id, target_type="Segment").values_list(
        "operation", flat=True
    )
    assert sorted(operations) == [
        "createSegment",
        "createSegment",
        "deleteSegment",
        "updateSegment",
    ]


async def test_brand_isolation(gql: GraphQL, settings: Settings) -> None:
    acme, other = await make_brand("acme"), await make_brand("other")
    acme_token, other_token = await app_token(settings, acme), await app_token(settings, other)
    await _people(gql, acme_token)
    await _people(gql, other_token)
    mine = (await _create(gql, acme_token, name="S", rule=SHANGHAI_COFFEE))["segment"]
    theirs = (await _create(gql, other_token, name="S", rule=SHANGHAI_COFFEE))["segment"]
    assert theirs["size"] == 3 and mine["size"] == 3
    assert (await gql.data(SEGMENT, {"id": theirs["id"]}, acme_token))["segment"] is None
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": theirs["id"]}, acme_token
    )
    assert node["node"] is None
    upd = await gql.data(UPDATE, {"input": {"id": theirs["id"], "name": "x"}}, acme_token)
    assert [e["code"] for e in upd["updateSegment"]["errors"]] == ["NOT_FOUND"]
    gone = await gql.data(DELETE, {"input": {"id": theirs["id"]}}, acme_token)
    assert [e["code"] for e in gone["deleteSegment"]["errors"]] == ["NOT_FOUND"]
    members = (await gql.data(SEGMENT, {"id": mine["id"], "first": 50}, acme_token))["segment"]
    acme_ids = {e["node"]["id"] for e in members["members"]["edges"]}
    theirs_page = await gql.data(SEGMENT, {"id": theirs["id"], "first": 50}, other_token)
    assert acme_ids.isdisjoint(
        {e["node"]["id"] for e in theirs_page["segment"]["members"]["edges"]}
    )
    listed = await gql.data(LIST, {"first": 10}, acme_token)
    assert listed["segments"]["totalCount"] == 1


async def test_list_pages(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    for name in ("one", "two", "three"):
        await _create(gql, token, name=name, rule={"gender": {"in": ["FEMALE"]}})
    page = (await gql.data(LIST, {"first": 2}, token))["segments"]
    assert [e["node"]["name"] for e in page["edges"]] == ["three", "two"]
    rest = await gql.data(LIST, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token)
    assert [e["node"]["name"] for e in rest["segments"]["edges"]] == ["one"]


async def test_preview_unsaved_rule(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    await _people(gql, token)
    with count_statements() as statements:
        body = await gql.data(
            "query($rule: SegmentRuleInput!) { previewSegment(rule: $rule) { size } }",
            {"rule": SHANGHAI_COFFEE},
            token,
        )
    assert body["previewSegment"]["size"] == 3
    evaluations = [s for s in statements if "FROM customers c" in s]
    assert len(evaluations) == 1, statements

    limited = await app_token(settings, brand, "offers:read customers:read")
    preview = (await gql.data(PREVIEW, {"rule": SHANGHAI_COFFEE}, limited))["previewSegment"]
    assert [c["name"] for c in preview["sample"]] == ["Ann", "Bea"]
    assert all("*" in c["phone"] for c in preview["sample"])  # masked without pii:read

    bad = await gql.post(PREVIEW, {"rule": {"or": [{"ageBand": {}}]}}, token)
    assert error_codes(bad) == ["BAD_USER_INPUT"]
    [error] = bad["errors"]
    assert "rule.or[0].ageBand" in error["message"]
    assert error["extensions"]["fields"][0]["field"] == "rule.or[0].ageBand"


async def test_scopes(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    admin = await app_token(settings, brand)
    await _people(gql, admin)
    segment = (await _create(gql, admin, name="S", rule=SHANGHAI_COFFEE))["segment"]
    reader = await app_token(settings, brand, "offers:read")
    assert error_codes(await gql.post(CREATE, {"input": {"name": "x", "rule": {}}}, reader)) == [
        "FORBIDDEN"
    ]
    got = await gql.data(
        "query($id: ID!) { segment(id: $id) { size } }", {"id": segment["id"]}, reader
    )
    assert got["segment"]["size"] == 3
    members = await gql.post(SEGMENT, {"id": segment["id"]}, reader)
    assert error_codes(members) == ["FORBIDDEN"]  # members are customers: customers:read too
    outsider = await app_token(settings, brand, "customers:read")
    assert error_codes(await gql.post(LIST, {}, outsider)) == ["FORBIDDEN"]


async def test_purchase_predicates_follow_the_api(gql: GraphQL, settings: Settings) -> None:
    brand: Brand = await make_brand("acme")
    token = await app_token(settings, brand)
    ids = await _people(gql, token)
    await record(gql, token, customerId=ids["Ann"], amount="120.00", items=[])
    await record(gql, token, customerId=ids["Ann"], amount="30.00", items=[])
    await record(gql, token, customerId=ids["Dee"], amount="20.00", items=[])
    rule = {"and": [{"totalSpend": {"min": "100"}}, {"daysSinceLastPurchase": {"max": 7}}]}
    body = await gql.data(PREVIEW, {"rule": rule}, token)
    assert body["previewSegment"]["size"] == 1
    assert [c["name"] for c in body["previewSegment"]["sample"]] == ["Ann"]
    regulars = {"tier": {"in": ["Regular"]}}
    assert (await gql.data(PREVIEW, {"rule": regulars}, token))["previewSegment"]["size"] == 2
    never = {"purchaseCount": {"max": 0}}
    assert (await gql.data(PREVIEW, {"rule": never}, token))["previewSegment"]["size"] == 3


async def test_every_predicate_round_trips_through_the_typed_input(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    await loyalty_config.ladder(brand.id)
    await _people(gql, token)
    offer = await Offer.create(brand_id=brand.id, kind="AMOUNT_OFF", title="Ten off")
    every = [
        {"tier": {"atLeast": "Silver"}},
        {"tier": {"in": ["Gold"]}},
        {"lifecycleStage": {"in": ["PROSPECT", "AT_RISK"]}},
        {"valueTier": {"in": ["HIGH_VALUE"]}},
        {"city": {"in": ["Beijing"]}},
        {"region": {"in": ["East"]}},
        {"gender": {"in": ["OTHER"]}},
        {"ageBand": {"min": 20, "max": 30}},
        {"tags": {"all": ["vip", "coffee"]}},
        {"daysSinceLastPurchase": {"min": 60}},
        {"purchaseCount": {"min": 2, "withinDays": 90}},
        {"totalSpend": {"min": "99.50", "max": "1000.00"}},
        {"birthdayMonth": {"in": [1, 12]}},
        {"enrolled": {"from": "2026-01-01", "to": "2026-06-30"}},
        {"consent": {"marketing": True}},
        {"hasCoupon": {"offerId": to_global_id("Offer", offer.id)}},
    ]
    rule = {"not": {"or": every}}
    created = await _create(gql, token, name="everything", rule=rule)
    assert created["errors"] == []
    assert created["segment"]["rule"] == rule
    preview = await gql.data(PREVIEW, {"rule": created["segment"]["rule"]}, token)
    assert preview["previewSegment"]["size"] == created["segment"]["size"] == 0
    # everyone is a prospect here, so the negated `or` selects nobody; without it, everybody
    inner = {"or": every[3:]}
    assert (await gql.data(PREVIEW, {"rule": inner}, token))["previewSegment"]["size"] == 5
