"""Validation results are remembered by document identity and never mixed up."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import print_ast
from strawberry.schema.schema import validate_document

from engine import validation
from engine.validation import ValidationByIdentity


@strawberry.type
class Query:
    @strawberry.field
    def hello(self, name: str = "x") -> str:
        return f"hello {name}"


@strawberry.type
class OtherQuery:
    @strawberry.field
    def other(self) -> int:
        return 1


def schema_of(query: type) -> strawberry.Schema:
    from strawberry.extensions import ParserCache

    return strawberry.Schema(
        query=query, extensions=[lambda: ParserCache(maxsize=16), ValidationByIdentity]
    )


async def test_a_repeated_query_is_validated_once_and_keeps_its_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    validated: list[str] = []

    def counting(schema: Any, document: Any, rules: Any) -> Any:
        validated.append(print_ast(document))
        return validate_document(schema, document, rules)

    monkeypatch.setattr(validation, "validate_document", counting)
    schema = schema_of(Query)
    ValidationByIdentity.results.clear()
    for _ in range(3):
        ok = await schema.execute("{ hello }")
        assert ok.data == {"hello": "hello x"} and not ok.errors
        bad = await schema.execute("{ hello nope }")
        assert bad.data is None
        assert [e.message for e in bad.errors or []] == [
            "Cannot query field 'nope' on type 'Query'."
        ]
    assert len(validated) == 2, "each document is validated once"


async def test_the_same_text_is_validated_against_each_schema() -> None:
    first, second = schema_of(Query), schema_of(OtherQuery)
    assert not (await first.execute("{ hello }")).errors
    refused = await second.execute("{ hello }")
    assert refused.errors, "a result cached for another schema must not be reused"
    assert not (await second.execute("{ other }")).errors


async def test_the_cache_is_bounded() -> None:
    schema = strawberry.Schema(query=Query, extensions=[lambda: ValidationByIdentity(maxsize=3)])
    ValidationByIdentity.results.clear()
    for i in range(10):
        result = await schema.execute(f'{{ hello(name: "{i}") }}')
        assert result.data == {"hello": f"hello {i}"}
    assert len(ValidationByIdentity.results) == 3
