"""Refusals of a GraphQL HTTP request before execution, as typed JSON errors.

strawberry's view answers a malformed request with a plain-text body (an unsupported content
type, a subscription over POST) or, for a JSON body that is not an object (`null`, `42`, `"x"`,
a batch holding a number), fails with an AttributeError: an HTTP 500. Every such request is
refused here with its status and `{"errors": [{"message", "extensions": {"code"}}]}`.
"""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.responses import Response
from strawberry import Schema
from strawberry.exceptions import MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.utils.operation import OperationType

# Subscriptions are served over websockets only (docs/realtime.md); strawberry's view would
# execute one sent over GET or POST as a query, and fail on its stream.
HTTP_OPERATIONS = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}

STATUS_CODES = {
    400: "BAD_REQUEST",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def body_shape_error(data: Any) -> str | None:
    """Why a decoded JSON body is neither an object nor a non-empty list of objects, or None."""
    if isinstance(data, dict):
        return None
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        return None
    return "the request body must be a JSON object (a batch: a non-empty list of objects)"


def operation_shape_error(
    query: Any, variables: Any, operation_name: Any, extensions: Any
) -> str | None:
    """Why one operation's members have the wrong JSON types, or None."""
    for key, value, wanted in (
        ("query", query, str),
        ("variables", variables, dict),
        ("operationName", operation_name, str),
        ("extensions", extensions, dict),
    ):
        if value is not None and not isinstance(value, wanted):
            kind = "a string" if wanted is str else "an object"
            return f"`{key}` must be {kind} or null"
    return None


async def execute_http_operation(
    schema: Schema, method: str, context: Any, request_data: GraphQLRequestData
) -> ExecutionResult:
    """One operation of a GET or POST, refused with a 400 before execution when it has no
    query, no operation of the given name, or an operation type the method does not carry."""
    try:
        return await schema.execute(
            request_data.query,
            root_value=None,
            variable_values=request_data.variables,
            context_value=context,
            operation_name=request_data.operation_name,
            allowed_operation_types=HTTP_OPERATIONS.get(method, frozenset()),
            operation_extensions=request_data.extensions,
        )
    except (CannotGetOperationTypeError, InvalidOperationTypeError, MissingQueryError) as exc:
        raise HTTPException(400, transport_refusal(exc, method)) from exc


def transport_refusal(
    error: CannotGetOperationTypeError | InvalidOperationTypeError | MissingQueryError,
    method: str,
) -> str:
    """Why an operation cannot be carried by this request (answered with a 400)."""
    if isinstance(error, CannotGetOperationTypeError):
        return error.as_http_error_reason()
    if isinstance(error, InvalidOperationTypeError):
        if error.operation_type is OperationType.SUBSCRIPTION:
            return "subscriptions are served over websockets (graphql-transport-ws), not HTTP"
        return error.as_http_error_reason(method)
    return "No GraphQL query found in the request"


def refusal(status: int, message: str) -> Response:
    code = STATUS_CODES.get(status, "BAD_REQUEST")
    body = {"errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")
