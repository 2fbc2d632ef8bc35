"""The level-by-level query executor answers exactly as graphql-core's own executor: the same
data in the same order, the same errors at the same paths, the same DataLoader batches."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.permission import BasePermission

from engine import columns
from engine.batch_resolvers import batch_field
from engine.batched import BatchedQueryExecutor
from tests.support import assert_same_answer

BATCHES: list[list[int]] = []
RESOLVED: list[str] = []


async def load_tiers(keys: Sequence[int]) -> list[Tier | None]:
    BATCHES.append(list(keys))
    return [TIERS.get(key) for key in keys]


BATCH_CALLS: list[int] = []


async def tiers_of_each(people: list[Person], info: strawberry.Info) -> list[Tier | None]:
    """What `tier` gives each person, in one call (graphql-core's executor: one a person)."""
    BATCH_CALLS.append(len(people))
    RESOLVED.extend(f"tier:{p.id}" for p in people)
    wanted = [p.tier_id for p in people if p.tier_id is not None]
    found = iter(await info.context["tiers"].load_many(wanted))
    answer = [next(found) if p.tier_id is not None else None for p in people]
    return answer[: info.context.get("truncate_batch", len(answer))]


class StaffOnly(BasePermission):
    message = "staff only"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return bool(info.context["staff"])


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Tier(Named):
    rank: int


TIERS = {1: Tier(name="Gold", rank=2), 2: Tier(name="Silver", rank=1)}


@strawberry.enum
class Kind(Enum):
    EARN = "earn"
    SPEND = "spend"


@strawberry.type
class Entry:
    id: strawberry.ID
    amount: int
    note: str | None
    at: datetime
    kind: Kind = Kind.EARN
    bonus: int | None = None


@strawberry.type
class EntryEdge:
    cursor: str
    node: Entry


@strawberry.type
class EntryConnection:
    edges: list[EntryEdge]
    total: int


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    tier_id: strawberry.Private[int | None]
    entries_data: strawberry.Private[list[Entry]]
    secret: str | None = strawberry.field(default="s", permission_classes=[StaffOnly])

    tier = batch_field(tiers_of_each, Tier | None)

    @strawberry.field
    async def entries(self, first: int = 2) -> EntryConnection:
        RESOLVED.append(f"entries:{self.id}:{first}")
        if first > 3:
            raise ValueError("first must be at most 3")
        edges = [EntryEdge(cursor=f"c{e.id}", node=e) for e in self.entries_data[:first]]
        return EntryConnection(edges=edges, total=len(self.entries_data))

    @strawberry.field
    def tags(self, prefix: str = "#") -> list[str]:
        return [f"{prefix}{self.name.lower()}", f"{prefix}all"]

    @strawberry.field
    def shout(self, root: Person) -> str:
        return root.name.upper()

    @strawberry.field
    def favourite(self) -> Named | None:
        return TIERS.get(self.tier_id or 0)


def entry(pk: int, amount: Any, note: str | None = "n", **more: Any) -> Entry:
    at = datetime(2026, 1, pk, tzinfo=UTC)
    return Entry(id=strawberry.ID(f"E{pk}"), amount=amount, note=note, at=at, **more)


def person(pk: int, tier_id: int | None, entries: list[Entry]) -> Person:
    return Person(id=strawberry.ID(f"P{pk}"), name=f"N{pk}", tier_id=tier_id, entries_data=entries)


PEOPLE = [
    person(1, 1, [entry(1, 10), entry(2, -5, None, kind=Kind.SPEND, bonus=3), entry(3, 7)]),
    person(2, None, []),
    person(3, 2, [entry(4, 3, bonus=-(2**31))]),
    person(4, 1, [entry(5, 1), entry(6, 2, kind=Kind.SPEND)]),
]
BROKEN = {
    "null_in_non_null": [PEOPLE[0], person(9, 1, [entry(7, None)])],
    "scalar_refuses": [PEOPLE[0], person(9, 1, [entry(7, "many")])],
    "int_out_of_range": [PEOPLE[0], person(9, 1, [entry(7, 2**31)])],
    "not_an_enum_value": [PEOPLE[0], person(9, 1, [entry(7, 1, kind="bogus")])],
    "wrong_object": [PEOPLE[0], "not a person"],
}
# Not broken: an enum given by its value rather than its member, a nullable int left null.
UNUSUAL = {"raw_enum_value": [person(9, 1, [entry(7, 1, kind="spend"), entry(8, 2, bonus=None)])]}


@strawberry.type
class Query:
    @strawberry.field
    def people(self, first: int = 10) -> list[Person]:
        return PEOPLE[:first]

    @strawberry.field
    def broken(self, case: str) -> list[Person] | None:
        return {**BROKEN, **UNUSUAL}[case]  # type: ignore[return-value]


def context(staff: bool = True, **more: Any) -> dict[str, Any]:
    return {"tiers": DataLoader(load_fn=load_tiers), "staff": staff, **more}


async def both(
    query: str, variables: dict[str, Any] | None = None, staff: bool = True
) -> tuple[dict[str, Any], int]:
    """Run on both executors and compare: data, key order, errors, resolver calls, batches.
    Returns the answer and how many levels the batched executor took up."""
    standard = strawberry.Schema(query=Query, types=[Tier])
    levels = strawberry.Schema(query=Query, types=[Tier], execution_context_class=Counting)
    BATCHES.clear()
    RESOLVED.clear()
    expected = await standard.execute(query, variables, context_value=context(staff))
    for _ in range(5):  # resolvers graphql-core left running beside a nulled field
        await asyncio.sleep(0)
    expected_batches, expected_calls = list(BATCHES), sorted(RESOLVED)
    BATCHES.clear()
    RESOLVED.clear()
    BATCH_CALLS.clear()
    Counting.levels = 0
    got = await levels.execute(query, variables, context_value=context(staff))
    assert_same_answer(got, expected)
    if not got.errors:  # with errors, the standard way may skip siblings of a nulled field
        assert expected_batches == BATCHES, "the DataLoader no longer batches the same keys"
        assert sorted(RESOLVED) == expected_calls
    assert len(RESOLVED) == len(set(RESOLVED)), "a resolver ran twice for the same object"
    return {"data": got.data, "errors": got.errors}, Counting.levels


class Counting(BatchedQueryExecutor):
    levels = 0

    async def _level(self, *args: Any) -> Any:
        Counting.levels += 1
        return await super()._level(*args)


WIDE = """query($first: Int!, $hash: String!) {
  people {
    __typename id label: name secret shout tags short: tags(prefix: $hash)
    tier { name rank __typename }
    entries(first: $first) { total edges { cursor node { id amount note at kind bonus } } }
    ...More
  }
}
fragment More on Person { again: entries { edges { node { amount } } } name @skip(if: false) }"""


async def test_a_wide_page_is_answered_level_by_level_with_the_same_batches() -> None:
    result, levels = await both(WIDE, {"first": 3, "hash": "~"})
    assert levels >= 6, "the batched executor did not take the query"
    people = result["data"]["people"]
    assert [p["label"] for p in people] == ["N1", "N2", "N3", "N4"]
    assert people[0]["tier"] == {"name": "Gold", "rank": 2, "__typename": "Tier"}
    assert people[1]["tier"] is None and people[1]["entries"] == {"total": 0, "edges": []}
    assert people[0]["entries"]["edges"][1]["node"] == {
        "id": "E2",
        "amount": -5,
        "note": None,
        "at": "2026-01-02T00:00:00+00:00",
        "kind": "SPEND",
        "bonus": 3,
    }
    assert people[2]["entries"]["edges"][0]["node"]["bonus"] == -(2**31)
    assert people[2]["short"] == ["~n3", "~all"] and people[0]["shout"] == "N1"
    assert BATCHES == [[1, 2]], "tiers of every person must load in one batch"
    assert BATCH_CALLS == [4], "the batch resolver answers the level in one call"


async def test_a_batch_resolver_answering_the_wrong_number_of_values_is_not_trusted() -> None:
    levels = strawberry.Schema(query=Query, types=[Tier], execution_context_class=Counting)
    query = "{ people { name tier { name } } }"
    broken = await levels.execute(query, context_value=context(truncate_batch=2))
    expected = await levels.execute(query, context_value=context())
    assert not broken.errors and broken.data is not None and broken.data == expected.data
    assert [p["tier"] for p in broken.data["people"]][2] == {"name": "Silver"}


async def test_a_refused_permission_gives_the_standard_errors_and_partial_data() -> None:
    result, _ = await both("{ people(first: 2) { name secret } }", staff=False)
    assert result["data"] == {
        "people": [{"name": "N1", "secret": None}, {"name": "N2", "secret": None}]
    }
    assert [e.path for e in result["errors"]] == [["people", 0, "secret"], ["people", 1, "secret"]]


async def test_a_resolver_raising_gives_the_standard_errors_and_partial_data() -> None:
    result, _ = await both("{ people(first: 2) { name entries(first: 5) { total } } }")
    assert result["data"] is None  # entries and people are non-null: the error reaches the root
    assert [(e.message, e.path) for e in result["errors"]] == [
        ("first must be at most 3", ["people", 0, "entries"])
    ]


BROKEN_QUERY = """query($case: String!) { broken(case: $case) { name
  entries { edges { node { amount kind bonus } } } } }"""


async def test_bad_values_give_graphql_cores_errors() -> None:
    for case in BROKEN:
        result, _ = await both(BROKEN_QUERY, {"case": case})
        assert result["errors"], f"{case}: a bad value must be reported, not hidden"
        assert result["data"] == {"broken": None}


async def test_an_enum_given_by_value_and_a_null_int_are_answered() -> None:
    result, levels = await both(BROKEN_QUERY, {"case": "raw_enum_value"})
    assert levels >= 3 and not result["errors"]
    (person,) = result["data"]["broken"]
    nodes = [edge["node"] for edge in person["entries"]["edges"]]
    assert nodes == [
        {"amount": 1, "kind": "SPEND", "bonus": None},
        {"amount": 2, "kind": "EARN", "bonus": None},
    ]


async def test_interfaces_and_introspection_go_the_standard_way() -> None:
    result, levels = await both("{ people { favourite { name ... on Tier { rank } } } }")
    assert levels == 0
    assert result["data"]["people"][0]["favourite"] == {"name": "Gold", "rank": 2}
    _, levels = await both("{ __schema { queryType { name } } people { name } }")
    assert levels == 0


async def test_a_failing_query_runs_each_resolver_once() -> None:
    """Errors are produced by the level-by-level run itself: no second, standard run."""
    query = "{ people(first: 3) { name secret tier { name } entries(first: 2) { total } } }"
    result, levels = await both(query, staff=False)
    assert levels >= 3, "the batched executor did not take the query"
    people = (1, 2, 3)
    assert sorted(RESOLVED) == [
        *(f"entries:P{i}:2" for i in people),
        *(f"tier:P{i}" for i in people),
    ]
    assert BATCH_CALLS == [3] and BATCHES == [[1, 2]]
    assert [e.path for e in result["errors"]] == [["people", i, "secret"] for i in range(3)]
    assert result["data"]["people"][2] == {
        "name": "N3",
        "secret": None,
        "tier": {"name": "Silver"},
        "entries": {"total": 1},
    }


async def test_an_error_below_nulls_up_to_the_nearest_nullable_field_once() -> None:
    """A non-null field failing two levels down nulls the non-null levels above it, up to the
    nullable root field; the resolvers of the level above ran once."""
    for case in ("null_in_non_null", "wrong_object"):
        result, _ = await both(BROKEN_QUERY, {"case": case})
        assert result["data"] == {"broken": None} and len(result["errors"]) == 1
    result, _ = await both("{ people(first: 2) { name entries(first: 5) { total } } }")
    assert sorted(RESOLVED) == ["entries:P1:5", "entries:P2:5"]


async def test_a_failing_batch_resolver_fails_the_field_of_each_parent_once() -> None:
    """`shout` and the batch of `tier` fail for a source that is not a Person: each runs once,
    the batch's error is every parent's, and no coroutine is left unawaited."""
    levels = strawberry.Schema(query=Query, types=[Tier], execution_context_class=Counting)
    query = "query($case: String!) { broken(case: $case) { tier { name } shout } }"
    BATCH_CALLS.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = await levels.execute(query, {"case": "wrong_object"}, context_value=context())
        gc.collect()
    assert BATCH_CALLS == [2]
    assert sorted(tuple(e.path or [])[1:3] for e in result.errors or []) == [
        (0, "tier"),
        (1, "shout"),
        (1, "tier"),
    ]
    assert result.data == {"broken": None}  # `shout` is non-null, and so are the list's items
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]


def test_rows_keep_the_selection_order() -> None:
    build = columns.row_builder(("b", "a", "__typename"))
    assert list(build(1, 2, "T").items()) == [("b", 1), ("a", 2), ("__typename", "T")]
