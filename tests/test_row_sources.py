"""Levels read straight from rows (engine/row_sources): a batch field answers rows, and the
level-by-level executor reads the selected fields from them column by column, or builds the
type's objects when a selected field has no reader; either way the answer is graphql-core's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

import pytest
import strawberry
from graphql import GraphQLObjectType
from strawberry.permission import BasePermission

from auth.context import Context, authenticate
from config import Settings
from engine.batch_resolvers import batch_field
from engine.batched import BatchedQueryExecutor
from engine.execution import strawberry_field
from engine.row_sources import RowSource, rows_of
from engine.shared_events import SharedEventExecutor
from library_adapter import graphql_core_schema
from models.offers import Coupon
from resolvers.first_rows import FirstRows
from resolvers.loyalty.loaders import LedgerRow
from schema import build_schema
from schema.loyalty.types import LEDGER_PAGE
from schema.offers.types import COUPON_PAGE
from tests.offer_helpers import create_offer, issue
from tests.support import GraphQL, app_token, create_customer, make_brand


class ItemRow(NamedTuple):
    id: int
    name: str
    price: int


BUILT: list[int] = []


class Anyone(BasePermission):
    message = "never refused"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return True


@strawberry.interface
class Priced:
    price: int


@strawberry.type
class RowSourcedItem(Priced):
    id: strawberry.ID
    name: str
    guarded: str = strawberry.field(permission_classes=[Anyone])  # an extension: never read
    row: strawberry.Private[ItemRow]

    @strawberry.field
    def label(self) -> str:  # a resolver: never read from rows
        return f"{self.name}:{self.price}"

    @strawberry.field
    def price_in(self, cents: bool = False) -> int:  # arguments: never read from rows
        return self.price * (100 if cents else 1)


def _built(rows: list[ItemRow], _context: Any) -> list[ItemRow]:
    BUILT.extend(row.id for row in rows)
    return rows


ITEM = rows_of(
    RowSourcedItem,
    ItemRow,
    id=lambda rows, _context: [f"i{row.id}" for row in rows],
    guarded=lambda rows, _context: [row.name.upper() for row in rows],
    row=_built,
)
ROWS = {1: [ItemRow(1, "tea", 3), ItemRow(2, "cake", 5)], 2: [], 3: [ItemRow(3, "milk", 2)]}


async def items_of_each(shops: list[Shop], info: strawberry.Info) -> list[list[ItemRow]]:
    return [ROWS[shop.id] for shop in shops]


@strawberry.type
class Shop:
    id: int
    items = batch_field(items_of_each, list[RowSourcedItem], rows=ITEM)


@strawberry.type
class Query:
    @strawberry.field
    def shops(self) -> list[Shop]:
        return [Shop(id=pk) for pk in ROWS]


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
    for executor in (StandardSchemaExecutor, BatchedQueryExecutor):
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


@pytest.mark.parametrize("field", ["label", "guarded", "priceIn", "priceIn(cents: true)"])
async def test_a_field_with_a_resolver_an_extension_or_arguments_makes_the_level_build_objects(
    field: str,
) -> None:
    data, built = await _both_ways(f"{{ shops {{ items {{ id value: {field} }} }} }}")
    assert sorted(built) == [1, 2, 3]
    values = [item["value"] for item in data["shops"][0]["items"]]
    assert (
        values
        == {
            "label": ["tea:3", "cake:5"],
            "guarded": ["TEA", "CAKE"],
            "priceIn": [3, 5],
            "priceIn(cents: true)": [300, 500],
        }[field]
    )


def test_only_plain_fields_have_readers_and_a_resolver_cannot_be_given_one() -> None:
    assert set(ITEM.readers) == {"id", "name", "price"}
    assert set(ITEM.attributes) == {"guarded", "row"}
    with pytest.raises(TypeError, match="label has a resolver"):
        rows_of(RowSourcedItem, ItemRow, label=lambda rows, _context: ["x"] * len(rows))
    with pytest.raises(TypeError, match="no field 'colour'"):
        rows_of(RowSourcedItem, ItemRow, colour=lambda rows, _context: ["x"] * len(rows))


LEDGER = """
query { customers(first: 5) { edges { node { name
  pointsTransactions(first: 2) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { __typename id kind amount balanceAfter reason source actor
      idempotencyKey createdAt expiresAt pendingUntil } } } } } } }
"""


def _sources(page: RowSource) -> dict[str, RowSource]:
    edge = page.nested["edges"]
    return {page.cls.__name__: page, "Edge": edge, "Node": edge.nested["node"]}


@pytest.mark.parametrize(
    ("page", "type_names", "unread"),
    [
        (LEDGER_PAGE, ("PointsTransactionConnection", "PointsTransactionEdge"), {}),
        (COUPON_PAGE, ("CouponConnection", "CouponEdge"), {"Coupon": {"offer"}}),
    ],
)
def test_every_plain_field_of_a_ledger_or_coupon_page_has_a_reader(
    page: RowSource, type_names: tuple[str, str], unread: dict[str, set[str]]
) -> None:
    """So whatever a page selects of the ledger or the coupons (but a loader's field) is read
    from its rows."""
    graphql_schema = graphql_core_schema(build_schema())
    connection, edge = type_names
    node = "PointsTransaction" if connection.startswith("Points") else "Coupon"
    sources = _sources(page)
    for type_name, source in ((connection, page), (edge, sources["Edge"]), (node, sources["Node"])):
        object_type = graphql_schema.type_map[type_name]
        assert isinstance(object_type, GraphQLObjectType)
        without = {
            name
            for name, field in object_type.fields.items()
            if getattr(strawberry_field(field), "python_name", None) not in source.readers
        }
        assert without == unread.get(type_name, set())
    assert page.row_class is FirstRows
    assert sources["Node"].row_class in (LedgerRow, Coupon)


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
    built = _count_builds(monkeypatch, LedgerRow)
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
    built = _count_builds(monkeypatch, Coupon)
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


def _count_builds(monkeypatch: pytest.MonkeyPatch, row_class: type) -> list[Any]:
    """The rows of `row_class` built as objects, from now on."""
    built: list[Any] = []
    real = RowSource.build_all

    def counted(source: RowSource, rows: list[Any], context: Any) -> list[Any]:
        if source.row_class is row_class:
            built.extend(rows)
        return real(source, rows, context)

    monkeypatch.setattr(RowSource, "build_all", counted)
    return built


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
