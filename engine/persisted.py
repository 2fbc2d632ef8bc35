"""The Apollo automatic-persisted-queries protocol (extensions.persistedQuery.sha256Hash)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

from engine.persisted_queries import QueryStore, sha256_hex


def _error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


async def apply_persisted_query(
    store: QueryStore,
    scope: str,
    request: GraphQLRequestData,
    registered: Callable[[str], Awaitable[str | None]] | None = None,
) -> GraphQLError | None:
    """Fill `request.query` from the store, or store the query sent with its hash.

    `registered` looks a hash up among the queries an admin registered (allow-lists), so
    clients can send registered queries by hash alone without registering them first."""
    persisted = (request.extensions or {}).get("persistedQuery")
    if not isinstance(persisted, dict):
        return None
    digest = persisted.get("sha256Hash")
    if persisted.get("version", 1) != 1 or not isinstance(digest, str):
        return _error("unsupported persistedQuery extension", "PERSISTED_QUERY_NOT_SUPPORTED")
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
    await store.put(scope, digest, request.query)
    return None
