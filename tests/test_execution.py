"""The plain-field executor answers exactly as graphql-core's own: data, order, errors, paths."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache, SchemaExtension

from engine import execution
from engine.execution import PlainFieldExecutor
from tests.support import response_keys


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
    plain = strawberry.Schema(query=Query, execution_context_class=PlainFieldExecutor, **options)
    return standard, plain


async def both(query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run on both executors, compare, and check the shortcuts were really taken."""
    standard, plain = schemas()
    expected = await standard.execute(query, variables)
    shortcuts = 0
    real_field = execution._field

    def counting(source: Any, shortcut: execution.Shortcut) -> Any:
        nonlocal shortcuts
        shortcuts += 1
        return real_field(source, shortcut)

    execution._field = counting  # type: ignore[assignment]
    try:
        got = await plain.execute(query, variables)
    finally:
        execution._field = real_field  # type: ignore[assignment]
    assert shortcuts > 0, "the plain-field path was never taken"
    assert got.data == expected.data
    assert list(response_keys(got.data)) == list(response_keys(expected.data)), (
        "field order differs"
    )
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]
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
    standard, plain = schemas(extensions=[SeesEveryField])
    query = "{ owner { page { edges { cursor node { __typename amount } } } } }"
    await standard.execute(query)
    seen_by_standard = sorted(SeesEveryField.seen)
    SeesEveryField.seen = []
    await plain.execute(query)
    assert sorted(SeesEveryField.seen) == seen_by_standard
    assert seen_by_standard.count("amount") == 2
    assert seen_by_standard.count("__typename") == 2


async def test_plans_are_shared_by_requests_of_one_parsed_query() -> None:
    """The parser cache hands every request the same document: its plans are made once, and
    later requests with other data (here with errors, then without) still answer correctly."""
    standard, _ = schemas()
    plain = strawberry.Schema(
        query=Query, execution_context_class=PlainFieldExecutor, extensions=[ParserCache]
    )
    made = 0
    real_new_plan = PlainFieldExecutor._new_plan

    def counting(self: PlainFieldExecutor, *args: Any) -> Any:
        nonlocal made
        made += 1
        return real_new_plan(self, *args)

    query = """query($case: String!) {
      broken(case: $case) { total edges { cursor node { name amount } } } }"""
    PlainFieldExecutor._new_plan = counting  # type: ignore[method-assign,assignment]
    try:
        answers = []
        for case in ("null_in_non_null", "scalar_refuses", "null_in_non_null", "wrong_object"):
            before = made
            got = await plain.execute(query, {"case": case})
            expected = await standard.execute(query, {"case": case})
            assert got.data == expected.data
            assert [(e.message, e.path) for e in got.errors or []] == [
                (e.message, e.path) for e in expected.errors or []
            ]
            answers.append(made - before)
    finally:
        PlainFieldExecutor._new_plan = real_new_plan  # type: ignore[method-assign]
    assert answers[0] > 0 and answers[1:] == [0, 0, 0]
