"""Refuses queries over the cost limit and callers over their rate, before execution."""

from __future__ import annotations

import math

from graphql import GraphQLError
from starlette.types import Scope
from strawberry.types import ExecutionResult

from auth.context import Context, bearer_token
from auth.tokens import InvalidToken, verify_token
from config import Settings
from engine.cost import Cost, query_cost
from engine.ratelimit import RateLimiter
from engine.request import Checked, Refusal, Request, RequestPolicy


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


class CostLimit(RequestPolicy):
    """The query's cost and its longest list argument against the limits; the cost goes into
    the result's `extensions` once measured."""

    def __init__(self, max_cost: int, max_list_length: int) -> None:
        self.max_cost = max_cost
        self.max_list_length = max_list_length

    def check(self, request: Request) -> Checked:
        assert request.document is not None
        document, variables = request.document, request.variables
        cost = query_cost(request.schema, document, request.operation_name, variables)
        request.cost = cost.total
        if cost.longest_list > self.max_list_length:
            return [list_too_long(cost, self.max_list_length)]
        if cost.total > self.max_cost:
            return [too_complex(cost.total, self.max_cost)]
        return None

    def finish(self, request: Request, result: ExecutionResult) -> None:
        if request.cost is not None:
            cost = {"requestedQueryCost": request.cost, "maximumAvailable": self.max_cost}
            result.extensions = {"cost": cost}


class RateLimit(RequestPolicy):
    """Takes the operation's cost from the caller's bucket."""

    def __init__(self, limiter: RateLimiter | None) -> None:
        self.limiter = limiter

    def check(self, request: Request) -> Checked:
        if self.limiter is None or not isinstance(request.context, Context):
            return None
        return self._refusal(request.context, request.cost or 0)

    async def _refusal(self, context: Context, cost: int) -> Refusal | None:
        refused = await over_rate(self.limiter, context, cost)
        return None if refused is None else [refused]


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
