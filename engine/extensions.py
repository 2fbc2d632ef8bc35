from __future__ import annotations

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from engine.unavailable import unavailable_error
from models.pool import connection_lost
from services.common.db_errors import input_errors


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class MaskUnexpectedErrors(MaskErrors):
    """Replaces unexpected exceptions with a message carrying the request id (logged in full)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=is_unexpected)

    def _process_result(self, result: object) -> None:
        # strawberry checks `isinstance(result, <a runtime-checkable Protocol>)`, which inspects
        # the class on every result: a tenth of a worker's CPU when fanning events out.
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [  # type: ignore[attr-defined]
                self.anonymise_error(e) if self.should_mask_error(e) else e for e in errors
            ]

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        return anonymised(error, self.execution_context.context)


STATEMENT_TIMEOUT = "57014"  # PostgreSQL's query_canceled: statement_timeout or a cancel


def timed_out(error: BaseException | None) -> bool:
    """A database statement cancelled by the statement timeout (the driver's error, or the
    ORM's wrapping it)."""
    seen = 0
    while error is not None and seen < 8:
        if getattr(error, "sqlstate", None) == STATEMENT_TIMEOUT:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


def anonymised(error: GraphQLError, context: object) -> GraphQLError:
    refused = input_errors(error.original_error) if error.original_error is not None else None
    if refused:  # the database refused the client's values: theirs to fix, not a failure
        first = refused[0]
        return GraphQLError(
            message=f"{first.field}: {first.message}" if first.field else first.message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "BAD_USER_INPUT", "reason": first.code.value},
        )
    request_id = getattr(context, "request_id", "unknown")
    if connection_lost(error.original_error):
        return unavailable_error(error, request_id)
    if timed_out(error.original_error):
        return GraphQLError(
            "the database took too long to answer this request; ask for less",
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            extensions={"code": "QUERY_TIMEOUT", "requestId": request_id},
        )
    return GraphQLError(
        message=f"Internal server error (request id {request_id}).",
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    )


def masked(errors: list[GraphQLError], context: object) -> list[GraphQLError]:
    """Unexpected errors anonymised, as MaskUnexpectedErrors does."""
    return [anonymised(e, context) if is_unexpected(e) else e for e in errors]
