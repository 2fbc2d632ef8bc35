"""The request the policies check (engine/policies.py), and the base class of a policy."""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from typing import Any

from graphql import DocumentNode, GraphQLError, GraphQLSchema
from strawberry.types import ExecutionResult
from strawberry.utils.operation import OperationType

Refusal = list[GraphQLError]
# A check answers at once when it can (None or [] lets the request through), or an awaitable
# when it must wait (a cache miss, a round trip): no coroutine for what it knows already.
Checked = Refusal | Awaitable[Refusal | None] | None


class Request:
    """One operation on its way through the policies: what was sent, and what the policies
    have worked out so far (the document, the operation, the cost)."""

    __slots__ = (
        "allowed",
        "context",
        "cost",
        "document",
        "operation",
        "operation_name",
        "query",
        "schema",
        "started",
        "variables",
    )

    def __init__(
        self,
        schema: GraphQLSchema,
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        operation_name: str | None,
        allowed: Iterable[OperationType],
    ) -> None:
        self.schema, self.query, self.variables, self.context = schema, query, variables, context
        self.operation_name, self.allowed = operation_name, allowed
        self.document: DocumentNode | None = None
        self.operation: OperationType | None = None  # its type
        self.cost: int | None = None  # measured by the cost policy
        self.started = 0.0


class RequestPolicy:
    """One step every operation goes through, on every entry point. `check` runs before
    execution, in the list's order, and may refuse; `finish` runs on every result (a refusal's
    too), in the reverse order, and may change it. Override either or both."""

    on_streams = True  # False: not run for websocket operations (engine/policies.py says why)

    def check(self, request: Request) -> Checked:
        return None

    def finish(self, request: Request, result: ExecutionResult) -> None:
        return None
