"""Levels read straight from rows (engine/row_sources): a batch resolver answers rows, and the
level-by-level executor reads the selected fields from them column by column, or builds the
type's objects when a selected field has no reader; either way the answer is graphql-core's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
import strawberry
from graphql import GraphQLObjectType

from auth.context import Context, authenticate
from config import Settings
from engine.batch_resolvers import batch_resolver
from engine.batched import BatchedQueryExecutor
from engine.row_sources import attribute, readable_name, row_source, row_source_of
from engine.shared_events import SharedEventExecutor
from library_adapter import graphql_core_schema
from models.offers import Coupon
from resolvers.first_rows import FirstRows
from resolvers.loyalty.loaders import LedgerRow
from schema import build_schema
from schema.loyalty import types as loyalty_types
from schema.offers import types as offer_types
from tests.offer_helpers import create_offer, issue
from tests.support import GraphQL, app_token, create_customer, make_brand


class ItemRow(NamedTuple):
    id: int
    name: str
    price: int


BUILT: list[int] = []


@strawberry.interface
class Priced:
    price: int


@strawberry.type
class RowSourcedItem(Priced):
    id: strawberry.ID
    name: str

    @strawberry.field
    def label(self) -> str:  # no reader: selecting it makes the level build its objects
        return f"{self.name}:{self.price}"


def build_item(row: ItemRow, _context: Any) -> RowSourcedItem:
    BUILT.append(row.id)
    return RowSourcedItem(id=strawberry.ID(f"i{row.id}"), name=row.name, price=row.price)


row_source(
    "RowSourcedItem",
    ItemRow,
    build_item,
    {
        "id": lambda rows, _context: [f"i{row.id}" for row in rows],
        "name": attribute("name"),
        "price": attribute("price"),
    },
)
ROWS = {1: [ItemRow(1, "tea", 3), ItemRow(2, "cake", 5)], 2: [], 3: [ItemRow(3, "milk", 2)]}


async def items_of_each(shops: list[Shop], info: strawberry.Info) -> list[list[ItemRow]]:
    return [ROWS[shop.id] for shop in shops]


@strawberry.type
class Shop:
    id: int

    @strawberry.field
    @batch_resolver(items_of_each)
    async def items(self, info: strawberry.Info) -> list[RowSourcedItem]:
        return [build_item(row, info.context) for row in ROWS[self.id]]


@strawberry.type
class Query:
    @strawberry.field
    def shops(self) -> list[Shop]:
        return [Shop(id=pk) for pk in ROWS]


class StandardExecutor(BatchedQueryExecutor):
    batch_queries = False


class StandardSchemaExecutor(SharedEventExecutor):
    batch_queries = False


@pytest.fixture(autouse=True)
def fresh_build_log() -> Iterator[None]:
    BUILT.clear()
    yield
    BUILT.clear()


async def _both_ways(query: str) -> tuple[dict[str, Any], list[int]]:
    """The answer (the same both ways) and the rows built by the level-by-level executor."""
    answers = []
    for executor in (StandardExecutor, BatchedQueryExecutor):
        BUILT.clear()
        schema = strawberry.Schema(query=Query, execution_context_class=executor)
        result = await schema.execute(query, context_value={})
        assert not result.errors, result.errors
        answers.append(result.data)
    assert answers[1] == answers[0]
    assert answers[0] is not None
    return answers[0], list(BUILT)


async def test_fields_with_readers_are_read_from_the_rows_without_building_objects() -> None:
    data, built = await _both_ways(
        "{ shops { id items { __typename id name cost: price ... on Priced { price } } } }"
    )
    assert built == []
    assert data["shops"][0]["items"] == [
        {"__typename": "RowSourcedItem", "id": "i1", "name": "tea", "cost": 3, "price": 3},
        {"__typename": "RowSourcedItem", "id": "i2", "name": "cake", "cost": 5, "price": 5},
    ]
    assert data["shops"][1]["items"] == []


async def test_a_field_without_a_reader_makes_the_level_build_its_objects() -> None:
    data, built = await _both_ways("{ shops { items { id label } } }")
    assert sorted(built) == [1, 2, 3]
    assert [item["label"] for item in data["shops"][0]["items"]] == ["tea:3", "cake:5"]


LEDGER = """
query { customers(first: 5) { edges { node { name
  pointsTransactions(first: 2) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id kind amount balanceAfter reason source actor
      idempotencyKey createdAt expiresAt pendingUntil } } } } } } }
"""


@pytest.mark.parametrize(
    ("type_name", "row_class", "unread"),
    [
        ("PointsTransaction", LedgerRow, set()),
        ("PointsTransactionEdge", LedgerRow, set()),
        ("PointsTransactionConnection", FirstRows, set()),
        ("Coupon", Coupon, {"offer"}),  # a loader's field: selecting it builds the coupons
        ("CouponEdge", Coupon, set()),
        ("CouponConnection", FirstRows, set()),
    ],
)
def test_every_field_of_a_ledger_or_coupon_page_has_a_reader(
    type_name: str, row_class: type, unread: set[str]
) -> None:
    """So whatever a page selects of the ledger or the coupons is read from its rows."""
    graphql_schema = graphql_core_schema(build_schema())
    object_type = graphql_schema.type_map[type_name]
    assert isinstance(object_type, GraphQLObjectType)
    source = row_source_of(object_type, [_an_instance_of(row_class)])
    assert source is not None
    without = {
        name
        for name, field in object_type.fields.items()
        if readable_name(field, graphql_schema) not in source.readers
    }
    assert without == unread


def _an_instance_of(row_class: type) -> Any:
    if row_class is FirstRows:
        return FirstRows([], False, "created_at", True)
    if row_class is Coupon:
        return Coupon()
    return row_class(*([None] * len(row_class._fields)))  # type: ignore[attr-defined]


async def test_a_ledger_page_is_read_from_its_rows_and_answers_as_built_objects(
    gql: GraphQL, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await app_token(settings, await make_brand(timezone="Asia/Shanghai"))
    award = """mutation($input: AwardPointsInput!) { awardPoints(input: $input) {
      errors { code } } }"""
    for name, points in (("Ann", [5, 7, 9]), ("Bo", [4]), ("Cy", [])):
        customer = await create_customer(gql, token, name=name)
        for amount in points:
            body = {"input": {"customerId": customer["id"], "points": amount, "reason": "visit"}}
            assert (await gql.data(award, body, token))["awardPoints"]["errors"] == []
    built: list[Any] = []
    real = loyalty_types.PointsTransactionType.from_model

    def counted(row: Any, zone: Any) -> Any:
        built.append(row)
        return real(row, zone)

    monkeypatch.setattr(loyalty_types.PointsTransactionType, "from_model", counted)
    data = await _read_both_ways(settings, token, LEDGER, built, read_from_rows=True)
    ledgers = [e["node"]["pointsTransactions"] for e in data["customers"]["edges"]]
    by_size = sorted(ledgers, key=lambda ledger: len(ledger["edges"]))
    assert [len(ledger["edges"]) for ledger in by_size] == [0, 1, 2]
    assert [ledger["pageInfo"]["hasNextPage"] for ledger in by_size] == [False, False, True]
    newest = by_size[2]["edges"][0]
    assert newest["node"]["amount"] == 9 and newest["node"]["kind"] == "EARN"
    assert newest["node"]["createdAt"].endswith("+08:00")  # the brand's zone
    assert by_size[2]["pageInfo"]["startCursor"] == newest["cursor"]


COUPONS = """
query { customers(first: 5) { edges { node { name
  coupons(first: 2) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id code discount status customerId purchaseId
      issuedAt expiresAt redeemedAt } } }
  usable: coupons(first: 5, status: ISSUED) { edges { node { code status } } } } } } }
"""
WITH_OFFER = """
query { customers(first: 5) { edges { node {
  coupons(first: 5) { edges { node { code expiresAt offer { title } } } } } } } }
"""


async def test_a_coupon_page_is_read_from_its_rows_and_answers_as_built_objects(
    gql: GraphQL, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await app_token(settings, await make_brand(timezone="Asia/Shanghai"))
    customers = [await create_customer(gql, token, name=name) for name in ("Ann", "Bo", "Cy")]
    for round_ in range(3):  # Ann holds three coupons, Bo one, Cy none
        offer = await create_offer(gql, token, title=f"round {round_}")
        targets = [customers[0]["id"]] + ([customers[1]["id"]] if round_ == 0 else [])
        assert (await issue(gql, token, offer["id"], f"k{round_}", customerIds=targets))[
            "issuedCount"
        ] == len(targets)
    anns = [c.code for c in await Coupon.filter(customer__name="Ann").order_by("-issued_at", "-id")]
    await Coupon.filter(code=anns[0]).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
    built: list[Any] = []
    real = offer_types.CouponType.from_model

    def counted(row: Any) -> Any:
        built.append(row)
        return real(row)

    monkeypatch.setattr(offer_types.CouponType, "from_model", counted)
    await _read_both_ways(settings, token, WITH_OFFER, built, read_from_rows=False)
    answer = await _read_both_ways(settings, token, COUPONS, built, read_from_rows=True)
    data = {e["node"]["name"]: e["node"] for e in answer["customers"]["edges"]}
    ann = data["Ann"]["coupons"]
    assert [e["node"]["code"] for e in ann["edges"]] == anns[:2]
    assert [e["node"]["status"] for e in ann["edges"]] == ["EXPIRED", "ISSUED"]
    assert ann["pageInfo"]["hasNextPage"] is True
    assert ann["pageInfo"]["startCursor"] == ann["edges"][0]["cursor"]
    assert ann["edges"][0]["node"]["customerId"] == customers[0]["id"]
    assert ann["edges"][0]["node"]["purchaseId"] is None
    assert ann["edges"][0]["node"]["issuedAt"].endswith("+08:00")  # the brand's zone
    assert [e["node"]["code"] for e in data["Ann"]["usable"]["edges"]] == anns[1:]
    assert data["Cy"]["coupons"]["edges"] == [] and data["Cy"]["coupons"]["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def _read_both_ways(
    settings: Settings, token: str, query: str, built: list[Any], read_from_rows: bool
) -> dict[str, Any]:
    """The answer, the same from the standard and the level-by-level executors; the latter
    builds no object (`built` stays empty) when the level is read from its rows."""
    answers = []
    for executor in (StandardSchemaExecutor, SharedEventExecutor):
        built.clear()
        context = Context(request=None, settings=settings, request_id="rows")
        await authenticate(context, token)
        schema = build_schema(execution_context_class=executor)
        result = await schema.execute(query, context_value=context)
        assert not result.errors, result.errors
        answers.append(result.data)
        batched = executor is SharedEventExecutor
        assert (len(built) > 0) == (not batched or not read_from_rows)
    assert answers[1] == answers[0]
    assert answers[0] is not None
    return answers[0]
