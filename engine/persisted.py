"""The Apollo automatic-persisted-queries protocol (extensions.persistedQuery.sha256Hash).

A registration (a query sent with its hash) stores the query only when it is worth storing: a
document within the size limit that parses within the token limit and validates against the
schema; each one first takes `registration_cost` points from the caller's rate bucket, stored
or not, so storing cannot be free. A hash that is not 64 hexadecimal digits is refused before
anything looks it up (HTTP 400).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, GraphQLSyntaxError
from strawberry.http import GraphQLRequestData

from engine.limits import over_rate
from engine.parsing import parse_cached, with_limit_code
from engine.persisted_queries import QueryStore, sha256_hex
from engine.ratelimit import RateLimiter
from engine.validation import ValidationByIdentity

SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
MALFORMED_HASH = "MALFORMED_PERSISTED_QUERY_HASH"  # answered with HTTP 400
BYTES_PER_POINT = 1024


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def registration_cost(query: str) -> int:
    """Rate points a registration takes: 1, and 1 more a kilobyte of text."""
    return 1 + len(query.encode()) // BYTES_PER_POINT


@dataclass(frozen=True)
class RegistrationPolicy:
    """What a query must be to be stored, and the bucket registrations are charged to."""

    schema: GraphQLSchema
    rules: tuple[type[ASTValidationRule], ...]
    max_tokens: int
    max_bytes: int
    limiter: RateLimiter | None
    budget_seconds: float

    async def refusal(self, query: str, context: Any) -> GraphQLError | None:
        refused = await over_rate(self.limiter, context, registration_cost(query))
        if refused is not None:
            return refused
        size = len(query.encode())
        if size > self.max_bytes:
            return _error(
                f"a persisted query holds at most {self.max_bytes} bytes ({size} sent)",
                "PERSISTED_QUERY_TOO_LARGE",
            )
        try:
            document = parse_cached(query, max_tokens=self.max_tokens)
        except GraphQLSyntaxError as error:
            return _invalid(with_limit_code(error), "GRAPHQL_PARSE_FAILED")
        errors = await ValidationByIdentity.errors(
            self.schema, document, self.rules, budget_seconds=self.budget_seconds
        )
        return _invalid(errors[0], "GRAPHQL_VALIDATION_FAILED") if errors else None


def _invalid(error: GraphQLError, reason: str) -> GraphQLError:
    """`reason`: the refusal's own code if it has one (a limit's), else this one."""
    return GraphQLError(
        f"only a valid document is stored as a persisted query: {error.message}",
        extensions={
            "code": "PERSISTED_QUERY_INVALID",
            "reason": (error.extensions or {}).get("code", reason),
        },
    )


async def apply_persisted_query(
    store: QueryStore,
    scope: str,
    request: GraphQLRequestData,
    registered: Callable[[str], Awaitable[str | None]] | None = None,
    admitted: Callable[[str], Awaitable[GraphQLError | None]] | None = None,
) -> GraphQLError | None:
    """Fill `request.query` from the store, or store the query sent with its hash.

    `registered` looks a hash up among the queries an admin registered (allow-lists), so
    clients can send registered queries by hash alone without registering them first.
    `admitted` answers why a query sent with its hash may not be stored (None: store it)."""
    persisted = (request.extensions or {}).get("persistedQuery")
    if not isinstance(persisted, dict):
        return None
    digest = persisted.get("sha256Hash")
    if persisted.get("version", 1) != 1 or not isinstance(digest, str):
        return _error("unsupported persistedQuery extension", "PERSISTED_QUERY_NOT_SUPPORTED")
    if not SHA256_HEX.fullmatch(digest):
        return _error("sha256Hash must be 64 hexadecimal digits", MALFORMED_HASH)
    digest = digest.lower()
    if request.query is None:
        query = await store.get(scope, digest)
        if query is None and registered is not None:
            query = await registered(digest)
        if query is None:
            return _error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")
        request.query = query
        return None
    if sha256_hex(request.query) != digest:
        return _error("provided sha does not match query", "INVALID_PERSISTED_QUERY_HASH")
    if admitted is not None:
        refused = await admitted(request.query)
        if refused is not None:
            return refused
    await store.put(scope, digest, request.query)
    return None
