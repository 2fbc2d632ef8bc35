"""Validation results remembered by the identity of the parsed document.

strawberry's `ValidationCache` keys an `lru_cache` on the document, and graphql-core's AST nodes
hash all their fields recursively: every request hashed its whole query tree just to find the
cached result. `ParserCache` hands back the same document object for the same query text, so
this cache keys on identities instead (schema, document, rules) and holds them in the entry, so
an id cannot be reused while its entry lives.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

Key = tuple[int, int, tuple[int, ...]]


class ValidationByIdentity(SchemaExtension):
    results: OrderedDict[Key, tuple[Any, Any, Any, list[GraphQLError]]] = OrderedDict()

    def __init__(self, maxsize: int = 512) -> None:
        super().__init__()
        self.maxsize = maxsize

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        assert context.graphql_document is not None
        context.pre_execution_errors = self.errors(
            context.schema._schema,
            context.graphql_document,
            context.validation_rules,
            self.maxsize,
        )
        yield

    @classmethod
    def errors(
        cls,
        schema: GraphQLSchema,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
        maxsize: int = 512,
    ) -> list[GraphQLError]:
        """The document's validation errors against the rules, validated once."""
        key = (id(schema), id(document), tuple(map(id, rules)))
        known = cls.results.get(key)
        if known is not None and known[0] is schema and known[1] is document:
            cls.results.move_to_end(key)
            return known[3]  # type: ignore[no-any-return]
        errors = validate_document(schema, document, rules)  # type: ignore[arg-type]
        cls.results[key] = (schema, document, tuple(rules), errors)
        while len(cls.results) > maxsize:
            cls.results.popitem(last=False)
        return errors
