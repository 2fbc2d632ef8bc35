"""One ordered list of request policies, run by every entry point.

JSON POST (engine/lean_post.py), GET, batches and persisted queries (the view) call
`CRMSchema.execute`; websocket operations, both protocols, call `CRMSchema.stream`. Both run
`RequestPipeline`: each policy's `check` in the list's order until one refuses, execution if
none did, then each policy's `finish` in the reverse order on the result (a refusal's too).
A policy added to `request_policies` runs everywhere; there is no second list.

Websocket operations are executed by strawberry's `stream` (subscriptions, their events),
after the checks; its only extension, `CheckedByPolicies`, hands it the checked document.
`RecordOperation` does not run there: a connection is recorded as one request
(observability/middleware.py), and a subscription's events are not operations a client sent.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Iterator
from contextlib import aclosing
from typing import Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, execute
from strawberry.exceptions import MissingQueryError
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.operation import OperationType

from auth.context import Context
from engine.allowlist import PersistedQueryAllowList
from engine.extensions import LogUnexpectedErrors, MaskUnexpectedErrors, is_unexpected
from engine.introspection import AnonymousIntrospectionOff, AnonymousWithoutHints
from engine.limits import CostLimit, RateLimit
from engine.parsing import AllowedOperationType, Parse, parse_cached
from engine.ratelimit import RateLimiter
from engine.refusals import HeldBack, RefusalThrottle
from engine.request import Refusal, Request, RequestPolicy
from engine.request_errors import CodedErrors
from engine.string_inputs import NulFreeVariables
from engine.validation import Validation
from models.pool import connection_lost
from observability.request_record import operation_executed
from resolvers.brands.usage_hook import operation_finished

# Raised, not refused: the HTTP view answers them 400 or 405 (engine/http_refusals.py).
TRANSPORT_ERRORS = (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError)


class RecordOperation(RequestPolicy):
    """Metrics and the request log (observability), the calling app's daily usage."""

    on_streams = False

    def check(self, request: Request) -> None:
        request.started = time.perf_counter()

    def finish(self, request: Request, result: ExecutionResult | None) -> None:
        elapsed = time.perf_counter() - request.started
        operation_executed(request.context, request.operation_name, request.query, result, elapsed)
        if result is not None:
            operation_finished(request.context, result.errors)


def request_policies(
    *,
    max_tokens: int,
    validation_rules: Iterable[type[ASTValidationRule]],
    validation_budget_seconds: float,
    introspection: bool,
    anonymous_introspection: bool,
    max_cost: int,
    max_list_length: int,
    rate_limiter: RateLimiter | None,
    refusals: RefusalThrottle,
) -> list[RequestPolicy]:
    """The list. Checks run top down; finishes bottom up (masking sees an error before it
    gets its code, the record sees the answer as sent)."""
    hints = [] if anonymous_introspection else [AnonymousWithoutHints()]
    introspection_off = (
        [] if anonymous_introspection or not introspection else [AnonymousIntrospectionOff()]
    )
    return [
        RecordOperation(),
        HeldBack(refusals),  # callers whose documents keep being refused by a limit
        *hints,
        CodedErrors(),
        MaskUnexpectedErrors(),
        LogUnexpectedErrors(),
        Parse(max_tokens),
        AllowedOperationType(),
        Validation(validation_rules, validation_budget_seconds),
        NulFreeVariables(),
        *introspection_off,
        PersistedQueryAllowList(),
        CostLimit(max_cost, max_list_length),
        RateLimit(rate_limiter),
    ]


def _overrides(policy: RequestPolicy, name: str) -> bool:
    return getattr(type(policy), name) is not getattr(RequestPolicy, name)


class RequestPipeline:
    def __init__(
        self, policies: list[RequestPolicy], schema: GraphQLSchema, executor: type[Any]
    ) -> None:
        self.policies = policies
        self.schema = schema
        self.executor = executor
        self.checks = [p.check for p in policies if _overrides(p, "check")]
        finishing = [p for p in reversed(policies) if _overrides(p, "finish")]
        self.finishes = [p.finish for p in finishing]
        self.stream_finishes = [p.finish for p in finishing if p.on_streams]
        self.recorders = [p for p in policies if isinstance(p, RecordOperation)]

    def of(self, kind: type[RequestPolicy]) -> Any:
        return next(p for p in self.policies if isinstance(p, kind))

    async def refusal(self, request: Request) -> Refusal | None:
        for check in self.checks:
            refused = check(request)
            if refused is not None and not isinstance(refused, list):
                refused = await refused
            if refused:
                return refused
        return None

    async def execute(
        self,
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
        allowed: Iterable[OperationType],
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult:
        request = Request(self.schema, query, variables, context, operation_name, allowed)
        try:
            refused = await self.refusal(request)
            if refused:
                result = ExecutionResult(data=None, errors=refused)
            else:
                result = await self._executed(request, root_value, operation_extensions)
        except TRANSPORT_ERRORS:
            for recorder in self.recorders:
                recorder.finish(request, None)
            raise
        except Exception as error:  # a policy failing fails this request alone, masked
            result = ExecutionResult(data=None, errors=[_coerced(error)])
        for finish in self.finishes:
            finish(request, result)
        return result

    async def _executed(
        self, request: Request, root_value: Any, operation_extensions: dict[str, Any] | None
    ) -> ExecutionResult:
        result = await self._run(request, root_value, operation_extensions)
        if _lost_connection(result) and _is_read(request):
            if isinstance(request.context, Context):
                request.context.loaders = {}  # nothing cached from the lost connection
            result = await self._run(request, root_value, operation_extensions)  # a fresh one
        return result

    async def _run(
        self, request: Request, root_value: Any, operation_extensions: dict[str, Any] | None
    ) -> ExecutionResult:
        assert request.document is not None
        result = await await_maybe(
            execute(
                self.schema,
                request.document,
                root_value=root_value,
                variable_values=request.variables,
                operation_name=request.operation_name,
                context_value=request.context,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                executor_class=self.executor,
                operation_extensions=operation_extensions,
            )
        )
        return ExecutionResult(data=result.data, errors=result.errors)

    async def checked_stream(self, request: Request, stream: Any) -> AsyncIterator[Any]:
        """A websocket operation: its refusal, or strawberry's `stream` (bound to the
        operation's arguments) with each result finished."""
        try:
            refused = await self.refusal(request)
        except TRANSPORT_ERRORS:
            refused = None  # strawberry's stream answers them as the protocol says
        except Exception as error:
            refused = [_coerced(error)]
        return self._finished(request, refused or None, None if refused else await stream())

    async def _finished(
        self, request: Request, refused: Refusal | None, source: AsyncGenerator[Any, None] | None
    ) -> AsyncGenerator[Any, None]:
        if source is None:
            source = _one(PreExecutionError(data=None, errors=refused))
        async with aclosing(source):
            async for result in source:
                if isinstance(result, ExecutionResult):
                    for finish in self.stream_finishes:
                        finish(request, result)
                yield result


class CheckedByPolicies(SchemaExtension):
    """strawberry's `stream` runs after the checks: the document it parses is the one they
    parsed (from the cache) and validated."""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            context.graphql_document = parse_cached(context.query, max_tokens=self.max_tokens)
        yield

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.pre_execution_errors is None:
            self.execution_context.pre_execution_errors = []  # validated by the policies
        yield


def _coerced(error: Exception) -> GraphQLError:
    if isinstance(error, GraphQLError):
        return error
    return GraphQLError(str(error), original_error=error)


def _lost_connection(result: ExecutionResult) -> bool:
    return any(is_unexpected(e) and connection_lost(e.original_error) for e in result.errors or ())


def _is_read(request: Request) -> bool:
    return request.operation is OperationType.QUERY


async def _one(result: ExecutionResult) -> AsyncGenerator[ExecutionResult, None]:
    yield result
