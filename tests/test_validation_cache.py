"""Validation results are remembered by document identity and never mixed up."""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from graphql import GraphQLSchema, print_ast, specified_rules
from strawberry.schema.schema import validate_document

from engine import validation
from engine.parsing import parse_cached
from engine.validation import ValidationByIdentity
from library_adapter import graphql_core_schema


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


RULES = tuple(specified_rules)


def schema_of(query: type) -> GraphQLSchema:
    return graphql_core_schema(strawberry.Schema(query=query))


async def errors(schema: GraphQLSchema, query: str, maxsize: int = 512) -> list[str]:
    found = await ValidationByIdentity.errors(schema, parse_cached(query), RULES, maxsize)
    return [e.message for e in found]


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
        assert await errors(schema, "{ hello }") == []
        assert await errors(schema, "{ hello nope }") == [
            "Cannot query field 'nope' on type 'Query'."
        ]
    assert len(validated) == 2, "each document is validated once"


async def test_the_same_text_is_validated_against_each_schema() -> None:
    first, second = schema_of(Query), schema_of(OtherQuery)
    assert await errors(first, "{ hello }") == []
    refused = await errors(second, "{ hello }")
    assert refused, "a result cached for another schema must not be reused"
    assert await errors(second, "{ other }") == []


async def test_the_cache_is_bounded() -> None:
    schema = schema_of(Query)
    ValidationByIdentity.results.clear()
    for i in range(10):
        assert await errors(schema, f'{{ hello(name: "{i}") }}', maxsize=3) == []
    assert len(ValidationByIdentity.results) == 3
