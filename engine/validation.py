"""Validation results remembered by the identity of the parsed document.

strawberry's `ValidationCache` keys an `lru_cache` on the document, and graphql-core's AST nodes
hash all their fields recursively: every request hashed its whole query tree just to find the
cached result. `ParserCache` hands back the same document object for the same query text, so
this cache keys on identities instead (schema, document, rules) and holds them in the entry, so
an id cannot be reused while its entry lives.

A new document is checked first against the rules that run in time linear in it (depth,
aliases, fields with fragments inlined: `engine.document_limits`), on the event loop; only a
document within those limits goes on to the other rules, which run off the loop within the
validation budget (`CRM_VALIDATION_BUDGET_MS`, `engine.budget`): past it, QUERY_TOO_COMPLEX.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import AsyncIterator
from typing import Any

import graphql
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, validate
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from engine.budget import OverBudget, within_budget
from engine.parsing import parse_cached
from library_adapter import graphql_core_schema

# Characters up to which a document is validated on the loop: the worst case measured at this
# size (one field repeated 60 times) is 11 ms, and a budget measured on a busy worker could
# refuse an ordinary document (it did in CI); 2,000 characters of it took 170-270 ms.
SMALL_DOCUMENT = 1_000

Key = tuple[int, int, tuple[int, ...]]
GRAPHQL_CORE = os.path.dirname(graphql.__file__)  # the validation rules' code, to stop
LIMIT_CODES = frozenset({"QUERY_TOO_DEEP", "TOO_MANY_ALIASES", "QUERY_TOO_COMPLEX"})
VALIDATION_BUDGET_SECONDS = 0.3  # the default of CRM_VALIDATION_BUDGET_MS


class ValidationByIdentity(SchemaExtension):
    results: OrderedDict[Key, tuple[Any, Any, Any, list[GraphQLError]]] = OrderedDict()

    def __init__(
        self, maxsize: int = 512, budget_seconds: float = VALIDATION_BUDGET_SECONDS
    ) -> None:
        super().__init__()
        self.maxsize = maxsize
        self.budget_seconds = budget_seconds

    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = await self.errors(
            graphql_core_schema(context.schema),
            context.graphql_document,
            context.validation_rules,
            self.maxsize,
            self.budget_seconds,
        )
        yield

    @classmethod
    async def errors(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
        maxsize: int = 512,
        budget_seconds: float = VALIDATION_BUDGET_SECONDS,
    ) -> list[GraphQLError]:
        """The document's validation errors against the rules, validated once."""
        key = (id(schema), id(document), tuple(map(id, rules)))
        known = cls.results.get(key)
        if known is not None and known[0] is schema and known[1] is document:
            cls.results.move_to_end(key)
            return known[3]  # type: ignore[no-any-return]
        errors = await _validated(schema, document, rules, budget_seconds)
        if any(_over_a_limit(e) for e in errors):  # cheap to refuse again; not worth its memory
            parse_cached.forget(document)
            return errors
        cls.results[key] = (schema, document, tuple(rules), errors)
        while len(cls.results) > maxsize:
            cls.results.popitem(last=False)
        return errors


async def _validated(
    schema: GraphQLSchema,
    document: DocumentNode,
    rules: tuple[type[ASTValidationRule], ...],
    budget_seconds: float,
) -> list[GraphQLError]:
    linear = [rule for rule in rules if getattr(rule, "linear", False)]
    if linear:
        errors = validate(schema, document, linear)
        if errors:
            return errors
    others = tuple(rule for rule in rules if not getattr(rule, "linear", False))
    source = document.loc.source.body if document.loc is not None else ""
    if len(source) <= SMALL_DOCUMENT:  # its worst case is a few milliseconds: no thread, no clock
        return validate_document(schema, document, others)  # type: ignore[arg-type]
    try:
        return await within_budget(
            lambda: validate_document(schema, document, others),  # type: ignore[arg-type]
            budget_seconds,
            GRAPHQL_CORE,
        )
    except OverBudget:
        return [over_budget(budget_seconds)]


def _over_a_limit(error: GraphQLError) -> bool:
    """Refused by a linear limit (depth, aliases, fields), not the budget: the budget's
    refusal is remembered, as finding it again would cost the budget again."""
    extensions = error.extensions or {}
    return extensions.get("code") in LIMIT_CODES and "budgetMs" not in extensions


def over_budget(budget_seconds: float) -> GraphQLError:
    budget_ms = round(budget_seconds * 1000)
    return GraphQLError(
        f"validating the document took longer than {budget_ms} ms; send a smaller document"
        " (fewer repeated fields and fragments)",
        extensions={"code": "QUERY_TOO_COMPLEX", "budgetMs": budget_ms},
    )
