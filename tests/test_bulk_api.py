"""Bulk operations through the API: each error policy with a mixed batch (good, invalid,
duplicate, another brand's id), retried calls, the row limit; upsert matching."""

from __future__ import annotations

from typing import Any

import pytest

from config import Settings
from models import AuditEntry, Purchase
from resolvers.ids import decode_id
from tests.concurrency import assert_ledger_consistent
from tests.onboarding_support import assert_unchanged, table_counts
from tests.support import GraphQL, app_token, create_customer, make_brand

PURCHASES = """
mutation($input: BulkRecordPurchasesInput!) { bulkRecordPurchases(input: $input) {
  count results { index skipped pointsEarned object { id externalId amount }
  errors { field code message } } errors { field code message } } }
"""
POINTS = """
mutation($input: BulkAwardPointsInput!) { bulkAwardPoints(input: $input) {
  count results { index skipped object { id amount balanceAfter } errors { field code } }
  errors { field code } } }
"""
CUSTOMERS = """
mutation($input: BulkUpsertCustomersInput!) { bulkUpsertCustomers(input: $input) {
  count results { index outcome skipped object { id name phone email }
  errors { field code relatedId } } errors { field code message } } }
"""
UPSERT = """
mutation($input: UpsertCustomerInput!) { upsertCustomer(input: $input) {
  outcome customer { id name phone email externalIds { system externalId } tags }
  candidates { id name } errors { field code message relatedId } } }
"""


async def setup(gql: GraphQL, settings: Settings) -> dict[str, Any]:
    brand = await make_brand()
    token = await app_token(settings, brand)
    other_token = await app_token(settings, await make_brand("other"))
    li = await create_customer(
        gql, token, name="Li", externalIds=[{"system": "pos", "externalId": "L1"}]
    )
    bo = await create_customer(gql, token, name="Bo")
    stranger = await create_customer(gql, other_token, name="Stranger")
    taken = {"customerId": bo["id"], "amount": "5", "externalId": "bo-1"}
    body = await gql.data(PURCHASES, {"input": {"rows": [taken]}}, token)
    assert body["bulkRecordPurchases"]["count"] == 1
    return {"token": token, "li": li, "bo": bo, "stranger": stranger}


def mixed_rows(s: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"customerId": s["li"]["id"], "amount": "100", "externalId": "p-1"},
        {  # invalid twice over: both problems reported
            "customerId": s["li"]["id"],
            "amount": "-5",
            "occurredAt": "2999-01-01T00:00:00Z",
            "externalId": "p-2",
        },
        {"customerId": s["li"]["id"], "amount": "7", "externalId": "bo-1"},  # Bo's purchase id
        {"customerId": s["stranger"]["id"], "amount": "9", "externalId": "p-4"},  # other brand
        {
            "customerExternalId": {"system": "pos", "externalId": "L1"},
            "amount": "20",
            "externalId": "p-5",
        },
    ]


def shape(results: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [
        (
            r["index"],
            r["object"]["externalId"] if r["object"] else None,
            sorted((e["field"], e["code"]) for e in r["errors"]),
            r["skipped"],
        )
        for r in results
    ]


BAD_ROWS = [
    (1, None, [("amount", "INVALID"), ("occurredAt", "INVALID")], False),
    (2, None, [("externalId", "DUPLICATE")], False),
    (3, None, [("customerId", "NOT_FOUND")], False),
]


async def test_reject_everything_writes_nothing_and_reports_every_bad_row(
    gql: GraphQL, settings: Settings
) -> None:
    s = await setup(gql, settings)
    before = await table_counts()
    body = await gql.data(PURCHASES, {"input": {"rows": mixed_rows(s)}}, s["token"])
    result = body["bulkRecordPurchases"]
    assert result["errors"] == [] and result["count"] == 0
    assert shape(result["results"]) == [
        (0, None, [], False),
        *BAD_ROWS,
        (4, None, [], False),
    ]
    await assert_unchanged(before)  # no purchase, ledger row, audit row or event


async def test_reject_failed_rows_writes_the_good_ones(gql: GraphQL, settings: Settings) -> None:
    s = await setup(gql, settings)
    rows = mixed_rows(s)
    variables = {"input": {"rows": rows, "errorPolicy": "REJECT_FAILED_ROWS"}}
    result = (await gql.data(PURCHASES, variables, s["token"]))["bulkRecordPurchases"]
    assert result["count"] == 2
    assert shape(result["results"]) == [(0, "p-1", [], False), *BAD_ROWS, (4, "p-5", [], False)]
    assert [r["pointsEarned"] for r in result["results"]] == [100, None, None, None, 20]
    li = decode_id(s["li"]["id"], "Customer")
    assert sorted(await Purchase.filter(customer_id=li).values_list("external_id", flat=True)) == [
        "p-1",
        "p-5",
    ]
    await assert_ledger_consistent(li)
    # each purchase audited as recordPurchase, the call once as itself (setup's call first)
    audited = await AuditEntry.filter(operation="recordPurchase", target_id=str(li))
    assert len(audited) == 2
    calls = await AuditEntry.filter(operation="bulkRecordPurchases").order_by("id")
    assert [c.details for c in calls][1:] == [{"rows": 5, "written": 2, "idempotencyKey": False}]

    # The same call again: the rows are idempotent like recordPurchase (externalId).
    before = await table_counts()
    again = (await gql.data(PURCHASES, variables, s["token"]))["bulkRecordPurchases"]
    assert [r["object"] for r in again["results"]] == [r["object"] for r in result["results"]]
    assert shape(again["results"]) == shape(result["results"])
    await assert_unchanged(before)


async def test_ignore_failed_skips_the_bad_rows_silently(gql: GraphQL, settings: Settings) -> None:
    s = await setup(gql, settings)
    variables = {"input": {"rows": mixed_rows(s), "errorPolicy": "IGNORE_FAILED"}}
    result = (await gql.data(PURCHASES, variables, s["token"]))["bulkRecordPurchases"]
    assert result["count"] == 2
    assert shape(result["results"]) == [
        (0, "p-1", [], False),
        (1, None, [], True),
        (2, None, [], True),
        (3, None, [], True),
        (4, "p-5", [], False),
    ]


async def test_a_retried_call_with_its_key_answers_the_same_and_writes_nothing(
    gql: GraphQL, settings: Settings
) -> None:
    s = await setup(gql, settings)
    rows = [
        {"customerId": s["li"]["id"], "points": 10, "reason": "migration"},  # no row key
        {"customerId": s["li"]["id"], "points": 0, "source": "nowhere"},
        {"customerId": s["stranger"]["id"], "points": 5},
        {"customerId": s["bo"]["id"], "points": 7, "idempotencyKey": "bo-7"},
    ]
    variables = {
        "input": {"rows": rows, "errorPolicy": "REJECT_FAILED_ROWS", "idempotencyKey": "k1"}
    }
    first = (await gql.data(POINTS, variables, s["token"]))["bulkAwardPoints"]
    assert first["count"] == 2
    assert [sorted((e["field"], e["code"]) for e in r["errors"]) for r in first["results"]] == [
        [],
        [("points", "INVALID"), ("source", "INVALID")],
        [("customerId", "NOT_FOUND")],
        [],
    ]
    before = await table_counts()
    again = (await gql.data(POINTS, variables, s["token"]))["bulkAwardPoints"]
    assert again == first
    await assert_unchanged(before)
    reused = dict(variables["input"], rows=rows[:1])
    refused = (await gql.data(POINTS, {"input": reused}, s["token"]))["bulkAwardPoints"]
    assert refused["errors"] == [{"field": "idempotencyKey", "code": "IDEMPOTENCY_KEY_REUSED"}]
    await assert_unchanged(before)
    await assert_ledger_consistent(decode_id(s["li"]["id"], "Customer"))


async def test_more_than_a_thousand_rows_is_refused_before_anything_runs(
    gql: GraphQL, settings: Settings
) -> None:
    s = await setup(gql, settings)
    before = await table_counts()
    rows = [{"customerId": s["li"]["id"], "points": 1}] * 1001
    result = (await gql.data(POINTS, {"input": {"rows": rows}}, s["token"]))["bulkAwardPoints"]
    assert result["errors"] == [{"field": "rows", "code": "TOO_MANY_ROWS"}]
    assert result["results"] == [] and result["count"] == 0
    await assert_unchanged(before)


@pytest.mark.parametrize("policy", ["REJECT_EVERYTHING", "REJECT_FAILED_ROWS", "IGNORE_FAILED"])
async def test_bulk_upsert_customers_under_each_policy(
    gql: GraphQL, settings: Settings, policy: str
) -> None:
    s = await setup(gql, settings)
    await create_customer(gql, s["token"], name="Phone", phone="+8613800138000")
    await create_customer(gql, s["token"], name="Mail", email="mail@example.com")
    rows = [
        {
            "name": "New",
            "email": "new@example.com",
            "externalId": {"system": "shop", "externalId": "S1"},
        },
        {"name": "Bad", "email": "nope", "attributes": [{"key": "colour", "value": "red"}]},
        {"name": "Dup", "phone": "13800138000", "email": "mail@example.com"},  # two customers
        {"externalId": {"system": "pos", "externalId": "L1"}, "city": "Shanghai"},  # Li
    ]
    variables = {"input": {"rows": rows, "errorPolicy": policy}}
    before = await table_counts()
    result = (await gql.data(CUSTOMERS, variables, s["token"]))["bulkUpsertCustomers"]
    outcomes = [(r["outcome"], r["skipped"]) for r in result["results"]]
    errors = [sorted((e["field"], e["code"]) for e in r["errors"]) for r in result["results"]]
    if policy == "REJECT_EVERYTHING":
        assert result["count"] == 0 and outcomes == [(None, False)] * 4
        await assert_unchanged(before)
    else:
        assert result["count"] == 2
        skipped = policy == "IGNORE_FAILED"
        assert outcomes == [
            ("CREATED", False),
            (None, skipped),
            (None, skipped),
            ("UPDATED", False),
        ]
        assert result["results"][3]["object"]["id"] == s["li"]["id"]
    if policy == "IGNORE_FAILED":
        assert errors == [[], [], [], []]
    else:
        assert errors == [
            [],
            [("attributes.colour", "UNKNOWN_ATTRIBUTE"), ("email", "INVALID")],
            [(None, "POSSIBLE_DUPLICATE"), (None, "POSSIBLE_DUPLICATE")],
            [],
        ]
        assert all(e["relatedId"] for e in result["results"][2]["errors"])


async def test_upsert_matches_by_external_id_phone_email_and_reports_ambiguity(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())

    async def upsert(**fields: Any) -> dict[str, Any]:
        result: dict[str, Any] = (await gql.data(UPSERT, {"input": fields}, token))[
            "upsertCustomer"
        ]
        return result

    pos = {"system": "pos", "externalId": "P-1"}
    created = await upsert(externalId=pos, name="Li", phone="+86 138 0013 8000", tags=["vip"])
    assert created["outcome"] == "CREATED" and created["errors"] == []
    li = created["customer"]
    assert li["externalIds"] == [{"system": "pos", "externalId": "P-1"}]

    by_id = await upsert(externalId=pos, email="li@example.com")
    assert (by_id["outcome"], by_id["customer"]["id"]) == ("UPDATED", li["id"])
    assert by_id["customer"]["name"] == "Li"  # fields left out are kept

    by_phone = await upsert(phone="13800138000", city="Beijing", tags=["new"])
    assert (by_phone["outcome"], by_phone["customer"]["id"]) == ("UPDATED", li["id"])
    assert by_phone["customer"]["tags"] == ["new", "vip"]

    by_email = await upsert(
        email="LI@example.com", externalId={"system": "shop", "externalId": "S-9"}
    )
    assert (by_email["outcome"], by_email["customer"]["id"]) == ("UPDATED", li["id"])
    assert {e["system"] for e in by_email["customer"]["externalIds"]} == {"pos", "shop"}

    other = await upsert(name="Bo", email="bo@example.com")
    assert other["outcome"] == "CREATED"
    before = await table_counts()
    ambiguous = await upsert(name="Who", phone="13800138000", email="bo@example.com")
    assert ambiguous["customer"] is None and ambiguous["outcome"] is None
    assert [e["code"] for e in ambiguous["errors"]] == ["POSSIBLE_DUPLICATE"] * 2
    assert sorted(c["id"] for c in ambiguous["candidates"]) == sorted(
        [li["id"], other["customer"]["id"]]
    )
    # the external id names Li, but the email is Bo's: ambiguous too
    clash = await upsert(externalId=pos, email="bo@example.com")
    assert [c["name"] for c in clash["candidates"]] == ["Li", "Bo"]
    # a retry of an applied upsert changes nothing
    again = await upsert(externalId=pos, email="li@example.com")
    assert again["outcome"] == "UPDATED"
    await assert_unchanged(before)
    audited = await AuditEntry.filter(operation="upsertCustomer").order_by("id")
    assert [e.details["outcome"] for e in audited] == ["CREATED"] + ["UPDATED"] * 3 + ["CREATED"]
