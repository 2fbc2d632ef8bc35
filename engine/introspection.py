"""Introspection for anonymous callers, and the schema hints that go with it.

In production (`CRM_ENV=production`) a caller without a valid token may not introspect the
schema (`__schema`, `__type`; `__typename` stays) unless `CRM_ANONYMOUS_INTROSPECTION=true`,
and their error messages lose graphql-core's "Did you mean ...?" suggestions, which would
otherwise spell the schema out field by field. A token (any kind, any scope) keeps both, so
GraphiQL and code generators work with one. `CRM_INTROSPECTION=false` still turns
introspection off for everyone.

Whether a document introspects is remembered with its validation (`ValidationByIdentity`);
the refusal and the suggestions depend on the caller, so they are decided per request.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension

from engine.validation import ValidationByIdentity
from library_adapter import graphql_core_schema

INTROSPECTION_RULES = (NoSchemaIntrospectionCustomRule,)
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def is_anonymous(context: Any) -> bool:
    return getattr(context, "principal", None) is None


async def introspects(schema: GraphQLSchema, document: DocumentNode) -> bool:
    return bool(await ValidationByIdentity.errors(schema, document, INTROSPECTION_RULES))


def introspection_refused() -> GraphQLError:
    return GraphQLError(
        "introspection needs a token on this server",
        extensions={"code": "INTROSPECTION_DISABLED"},
    )


class AnonymousIntrospectionOff(SchemaExtension):
    """Refuses an anonymous caller's document that introspects, after validation."""

    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
        context = self.execution_context
        document = context.graphql_document
        if (
            not context.pre_execution_errors
            and document is not None
            and is_anonymous(context.context)
            and await introspects(graphql_core_schema(context.schema), document)
        ):
            context.pre_execution_errors = [introspection_refused()]
        yield


def without_suggestions(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors with every "Did you mean ...?" sentence taken out of their messages."""
    cleaned = []
    for error in errors:
        message = _SUGGESTION.sub("", error.message)
        if message == error.message:
            cleaned.append(error)
            continue
        cleaned.append(
            GraphQLError(
                message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                original_error=error.original_error,
                extensions=error.extensions,
            )
        )
    return cleaned
