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
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema, NoSchemaIntrospectionCustomRule
from strawberry.types import ExecutionResult

from engine.request import Checked, Refusal, Request, RequestPolicy
from engine.validation import ValidationByIdentity

INTROSPECTION_RULES = (NoSchemaIntrospectionCustomRule,)
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def is_anonymous(context: Any) -> bool:
    return getattr(context, "principal", None) is None


def introspection_refused() -> GraphQLError:
    return GraphQLError(
        "introspection needs a token on this server",
        extensions={"code": "INTROSPECTION_DISABLED"},
    )


class AnonymousIntrospectionOff(RequestPolicy):
    """Refuses an anonymous caller's document that introspects, after validation."""

    def check(self, request: Request) -> Checked:
        if not is_anonymous(request.context):
            return None
        assert request.document is not None
        known = ValidationByIdentity.known(request.schema, request.document, INTROSPECTION_RULES)
        if known is not None:
            return [introspection_refused()] if known else None
        return self._refusal(request.schema, request.document)

    async def _refusal(self, schema: GraphQLSchema, document: DocumentNode) -> Refusal | None:
        introspects = await ValidationByIdentity.errors(schema, document, INTROSPECTION_RULES)
        return [introspection_refused()] if introspects else None


class AnonymousWithoutHints(RequestPolicy):
    """Takes graphql-core's "Did you mean ...?" out of an anonymous caller's errors."""

    def finish(self, request: Request, result: ExecutionResult) -> None:
        if result.errors and is_anonymous(request.context):
            result.errors = without_suggestions(result.errors)


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
