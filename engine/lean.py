"""The request pipeline for an operation that passes every check, without the extension hooks.

strawberry runs each request through its schema extensions' hooks: an extension instance and a
context manager per extension, four generator hooks each (operation, parse, validate, execute).
With our seven extensions that machinery cost more than graphql-core's execution of a small
mutation. `LeanPipeline` does the same work directly, in the same order: the cached parse with
the token limit, the remembered validation against the same rules, the operation's type
against the allowed ones, the cost limit, the caller's rate, execution, logging of unexpected
errors and their masking, and the cost in `extensions`.

It answers only what it can answer exactly as the extensions would. Whenever the outcome would
be a refusal other than the rate limit or the cost and list limits (a syntax error, too many
tokens, an invalid document, a disallowed operation type, a NUL in the variables, anonymous
introspection where it is off), and for apps in allow-list mode, it answers `None` before
anything has happened, and the schema takes strawberry's path, whose extensions produce the
error: refusals are rare, and cheap once parsed and validated. A cost or list refusal is
answered here, as the extension words it: walking a list of 60,000 items twice is not cheap.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationType,
    execute,
    get_operation_ast,
    specified_rules,
)
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.types import ExecutionResult
from strawberry.utils.await_maybe import await_maybe
from strawberry.utils.operation import OperationType as StrawberryOperationType

from auth.context import Context
from engine.cost import query_cost
from engine.extensions import masked
from engine.introspection import introspects, is_anonymous
from engine.limits import cost_extension, cost_refusal, over_rate
from engine.parsing import parse_cached
from engine.ratelimit import RateLimiter
from engine.string_inputs import variables_refusal
from engine.validation import ValidationByIdentity


class SharedParserCache(SchemaExtension):
    """strawberry's ParserCache, sharing its documents with the lean pipeline."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            try:
                context.graphql_document = parse_cached(context.query, **context.parse_options)
            except GraphQLSyntaxError as error:
                raise with_limit_code(error) from None
        yield


LIMIT_CODES = {
    "tokens. Parsing aborted": "TOO_MANY_TOKENS",
    "nested too deeply": "QUERY_TOO_DEEP",
}


def with_limit_code(error: GraphQLSyntaxError) -> GraphQLError:
    """The parser's refusal of a document over a limit, with the limit's code."""
    code = next((code for text, code in LIMIT_CODES.items() if text in error.message), None)
    if code is None:
        return error
    return GraphQLError(
        error.message,
        source=error.source,
        positions=error.positions,
        extensions={**(error.extensions or {}), "code": code},
    )


class LeanPipeline:
    def __init__(
        self,
        extra_rules: Iterable[type[ASTValidationRule]],
        max_tokens: int,
        max_cost: int,
        max_list_length: int,
        rate_limiter: RateLimiter | None,
        validation_budget_seconds: float,
    ) -> None:
        # strawberry's rules (graphql's specified rules) and ours, as AddValidationRules adds them.
        self.rules = (*specified_rules, *extra_rules)
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self.max_list_length = max_list_length
        self.validation_budget_seconds = validation_budget_seconds
        self.rate_limiter = rate_limiter
        self.answered = 0  # requests this pipeline answered (tests check it is used)
        self.anonymous_introspection = True  # False: refused by AnonymousIntrospectionOff

    async def execute(
        self,
        schema: Any,
        query: str | None,
        variables: dict[str, Any] | None,
        context: Any,
        root_value: Any,
        operation_name: str | None,
        allowed: Iterable[StrawberryOperationType],
        operation_extensions: dict[str, Any] | None,
    ) -> ExecutionResult | None:
        """The result, or None for strawberry's path (nothing was done or charged)."""
        if not query or not isinstance(context, Context) or context.allow_list_only:
            return None
        if variables_refusal(variables) is not None:
            return None
        document = await self._checked_document(schema, query, operation_name, allowed)
        if document is None:
            return None
        graphql_schema = schema._schema
        if (
            not self.anonymous_introspection
            and is_anonymous(context)
            and await introspects(graphql_schema, document)
        ):
            return None
        measured = query_cost(graphql_schema, document, operation_name, variables)
        cost = measured.total
        self.answered += 1
        over_limit = cost_refusal(measured, self.max_cost, self.max_list_length)
        if over_limit is not None:  # as QueryCostLimiter refuses it, without a second walk
            return ExecutionResult(
                data=None, errors=[over_limit], extensions=cost_extension(cost, self.max_cost)
            )
        refused = await over_rate(self.rate_limiter, context, cost)
        if refused is not None:
            return ExecutionResult(
                data=None, errors=[refused], extensions=cost_extension(cost, self.max_cost)
            )
        result = await await_maybe(
            execute(
                graphql_schema,
                document,
                root_value=root_value,
                variable_values=variables,
                operation_name=operation_name,
                context_value=context,
                is_awaitable=optimized_is_awaitable,  # type: ignore[arg-type]
                **execution_context_class_kwargs(schema.execution_context_class),
                operation_extensions=operation_extensions,
            )
        )
        errors = result.errors
        if errors:
            schema.process_errors(errors)
            errors = masked(errors, context)
        return ExecutionResult(
            data=result.data, errors=errors, extensions=cost_extension(cost, self.max_cost)
        )

    async def _checked_document(
        self,
        schema: Any,
        query: str,
        operation_name: str | None,
        allowed: Iterable[StrawberryOperationType],
    ) -> DocumentNode | None:
        try:
            document = parse_cached(query, max_tokens=self.max_tokens)
        except GraphQLError:
            return None
        if await ValidationByIdentity.errors(
            schema._schema, document, self.rules, budget_seconds=self.validation_budget_seconds
        ):
            return None
        operation = get_operation_ast(document, operation_name)
        if operation is None or _STRAWBERRY_TYPES[operation.operation] not in allowed:
            return None
        return document


_STRAWBERRY_TYPES = {
    OperationType.QUERY: StrawberryOperationType.QUERY,
    OperationType.MUTATION: StrawberryOperationType.MUTATION,
    OperationType.SUBSCRIPTION: StrawberryOperationType.SUBSCRIPTION,
}
