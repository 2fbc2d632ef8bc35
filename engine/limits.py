"""Refuses queries over the cost limit and callers over their rate, before execution."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError, validate
from starlette.types import Scope
from strawberry.extensions import SchemaExtension

from auth.context import Context, bearer_token
from auth.tokens import InvalidToken, verify_token
from config import Settings
from engine.cost import Cost, query_cost
from engine.ratelimit import RateLimiter


def caller_key_of_request(scope: Scope, settings: Settings) -> str:
    """`rate_limit_key` from the request's headers alone (before its body is read and its
    context built): the verified token's principal, else the client's address."""
    authorization = next((v for k, v in scope["headers"] if k == b"authorization"), None)
    token = bearer_token(authorization.decode("latin-1")) if authorization else None
    if token is not None:
        try:
            principal = verify_token(settings, token)
        except InvalidToken:
            principal = None
        if principal is not None:
            return f"{principal.brand_slug}:{principal.subject}"
    client = scope.get("client")
    return f"anonymous:{client[0] if client else 'unknown'}"


def rate_limit_key(context: Context) -> str:
    if context.principal is not None:
        return f"{context.principal.brand_slug}:{context.principal.subject}"
    client = context.request.client if context.request is not None else None
    return f"anonymous:{client.host if client else 'unknown'}"


class QueryCostLimiter(SchemaExtension):
    def __init__(self, max_cost: int, max_list_length: int, limiter: RateLimiter | None) -> None:
        self.max_cost = max_cost
        self.max_list_length = max_list_length
        self.limiter = limiter
        self.cost: int | None = None

    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
        ctx = self.execution_context
        if ctx.pre_execution_errors is None and ctx.graphql_document is not None:
            ctx.pre_execution_errors = validate(
                ctx.schema._schema, ctx.graphql_document, ctx.validation_rules
            )
        if not ctx.pre_execution_errors and ctx.graphql_document is not None:
            cost = query_cost(
                ctx.schema._schema, ctx.graphql_document, ctx.operation_name, ctx.variables
            )
            self.cost = cost.total
            error = await self._check(cost)
            if error is not None:
                ctx.pre_execution_errors = [error]
        yield

    async def _check(self, cost: Cost) -> GraphQLError | None:
        refused = cost_refusal(cost, self.max_cost, self.max_list_length)
        if refused is not None:
            return refused
        return await over_rate(self.limiter, self.execution_context.context, cost.total)

    def get_results(self) -> dict[str, Any]:
        return {} if self.cost is None else cost_extension(self.cost, self.max_cost)


def cost_refusal(cost: Cost, max_cost: int, max_list_length: int) -> GraphQLError | None:
    """The refusal of a list over its limit, else of a cost over the limit, else None."""
    if cost.longest_list > max_list_length:
        return list_too_long(cost, max_list_length)
    if cost.total > max_cost:
        return too_complex(cost.total, max_cost)
    return None


def list_too_long(cost: Cost, max_length: int) -> GraphQLError:
    return GraphQLError(
        f"a list of {cost.longest_list} items given to {cost.list_argument}; a list argument"
        f" takes at most {max_length} items",
        extensions={
            "code": "LIST_TOO_LONG",
            "argument": cost.list_argument,
            "length": cost.longest_list,
            "maxLength": max_length,
        },
    )


def too_complex(cost: int, max_cost: int) -> GraphQLError:
    return GraphQLError(
        f"query cost {cost} exceeds the limit of {max_cost}; ask for smaller pages or fewer fields",
        extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maxCost": max_cost},
    )


async def over_rate(limiter: RateLimiter | None, context: object, cost: int) -> GraphQLError | None:
    """Takes the cost from the caller's bucket; the error when the bucket cannot pay it."""
    if limiter is None or not isinstance(context, Context):
        return None
    decision = await limiter.take(rate_limit_key(context), cost)
    if decision.allowed:
        return None
    retry_after = max(1, math.ceil(decision.retry_after))
    return GraphQLError(
        f"rate limit exceeded; retry in {retry_after} s",
        extensions={"code": "RATE_LIMITED", "retryAfter": retry_after},
    )


def cost_extension(cost: int, max_cost: int) -> dict[str, Any]:
    return {"cost": {"requestedQueryCost": cost, "maximumAvailable": max_cost}}
