"""The executors answer exactly as graphql-core's own: data, order, errors, paths; a schema
extension with a `resolve` hook sees every field."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension

from engine.batched import BatchedQueryExecutor
from tests.support import assert_same_answer


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Line(Named):
    amount: int
    note: str | None
    tags: list[str]

    @strawberry.field
    async def doubled(self) -> int:
        return self.amount * 2


@strawberry.type
class LineEdge:
    cursor: str
    node: Line


@strawberry.type
class Page:
    edges: list[LineEdge]
    total: int


@strawberry.type
class Owner:
    name: str
    best: Line | None

    @strawberry.field
    async def page(self, first: int = 2) -> Page:
        return Page(edges=LINES[:first], total=len(LINES))


def line(name: str, amount: Any, note: str | None = "n") -> LineEdge:
    return LineEdge(cursor=f"c-{name}", node=Line(name=name, amount=amount, note=note, tags=["t"]))


LINES = [line("a", 1), line("b", 2, None), line("c", 3)]
BROKEN: dict[str, list[LineEdge]] = {
    "null_in_non_null": [line("a", 1), line("b", None)],
    "scalar_refuses": [line("a", 1), line("b", "not a number")],
    "wrong_object": [line("a", 1), LineEdge(cursor="x", node="not a line")],  # type: ignore[arg-type]
    "lookalike_object": [
        line("a", 1),
        LineEdge(cursor="x", node=SimpleNamespace(name="x", amount=1)),  # type: ignore[arg-type]
    ],
}


@strawberry.type
class Query:
    @strawberry.field
    def owner(self) -> Owner:
        return Owner(name="o", best=LINES[0].node)

    @strawberry.field
    def broken(self, case: str) -> Page | None:
        return Page(edges=BROKEN[case], total=2)


class SeesEveryField(SchemaExtension):
    seen: list[str] = []

    def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        SeesEveryField.seen.append(info.field_name)
        return _next(root, info, *args, **kwargs)


def schemas(**options: Any) -> tuple[strawberry.Schema, strawberry.Schema]:
    standard = strawberry.Schema(query=Query, **options)
    ours = strawberry.Schema(query=Query, execution_context_class=BatchedQueryExecutor, **options)
    return standard, ours


async def both(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run on both executors and compare."""
    standard, ours = schemas()
    expected = await standard.execute(query, variables)
    got = await ours.execute(query, variables)
    assert_same_answer(got, expected)
    return {"data": got.data, "errors": got.errors}


async def test_same_answer_for_plain_leaves_objects_aliases_and_resolvers() -> None:
    result = await both(
        """{ owner { name best { amount __typename name } page(first: 3) { total
             edges { cursor node { __typename label: name amount note tags doubled
                                   again: amount } } } } }"""
    )
    edges = result["data"]["owner"]["page"]["edges"]
    assert [e["node"]["label"] for e in edges] == ["a", "b", "c"]
    assert edges[1]["node"] == {
        "__typename": "Line",
        "label": "b",
        "amount": 2,
        "note": None,
        "tags": ["t"],
        "doubled": 4,
        "again": 2,
    }


async def test_skip_and_include_and_fragments() -> None:
    result = await both(
        """query($no: Boolean!) {
             owner { page { edges { ...E node { note @include(if: $no) } } } } }
           fragment E on LineEdge { cursor @skip(if: true) node { amount name @skip(if: $no) } }""",
        {"no": False},
    )
    assert result["data"]["owner"]["page"]["edges"][0] == {"node": {"amount": 1, "name": "a"}}


@pytest.mark.parametrize("case", sorted(BROKEN))
async def test_bad_values_give_graphql_cores_errors(case: str) -> None:
    result = await both(
        "query($case: String!) { broken(case: $case) { total edges { cursor node { amount } } } }",
        {"case": case},
    )
    assert result["errors"], "a bad value must be reported, not hidden"
    assert result["data"] == {"broken": None}


async def test_an_extension_with_a_resolve_hook_sees_every_field() -> None:
    SeesEveryField.seen = []
    standard, ours = schemas(extensions=[SeesEveryField])
    query = "{ owner { page { edges { cursor node { __typename amount } } } } }"
    await standard.execute(query)
    seen_by_standard = sorted(SeesEveryField.seen)
    SeesEveryField.seen = []
    await ours.execute(query)
    assert sorted(SeesEveryField.seen) == seen_by_standard
    assert seen_by_standard.count("amount") == 2
    assert seen_by_standard.count("__typename") == 2
