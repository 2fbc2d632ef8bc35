"""A code on every error of a request refused before execution.

graphql-core reports a syntax error, a document that does not validate and variables that do
not coerce without `extensions.code`; clients branch on the code, so each gets the one Apollo
Server uses: `GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, `BAD_USER_INPUT`.
"""

from __future__ import annotations

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.types import ExecutionResult

from engine.request import Request, RequestPolicy


def request_error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable '$") and "invalid value" in error.message:
        return "BAD_USER_INPUT"  # variables that do not coerce
    return "GRAPHQL_VALIDATION_FAILED"


def with_codes(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors, those about the request itself (no path, no code) given a code."""
    for error in errors:
        cause = error.original_error
        if (
            error.path is None
            and not (error.extensions or {}).get("code")
            and (cause is None or isinstance(cause, GraphQLError))
        ):
            error.extensions = {**(error.extensions or {}), "code": request_error_code(error)}
    return errors


class CodedErrors(RequestPolicy):
    def finish(self, request: Request, result: ExecutionResult) -> None:
        if result.errors:
            result.errors = with_codes(result.errors)
