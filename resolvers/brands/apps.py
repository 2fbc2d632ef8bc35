"""Partner apps' allow-list mode and registered persisted queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from graphql import GraphQLSchema, parse, validate
from graphql.error import GraphQLError

from auth.context import Context
from resolvers.results import MutationResult, run
from services.brands import allowlist as query_allowlist

if TYPE_CHECKING:
    from models import App


def schema_problems(schema: GraphQLSchema, queries: list[str]) -> dict[int, str]:
    """Index -> why a query would never run, so only runnable queries get registered."""
    problems: dict[int, str] = {}
    for index, query in enumerate(queries):
        if not query.strip() or len(query) > query_allowlist.MAX_QUERY_LENGTH:
            continue  # the service reports these
        try:
            errors = validate(schema, parse(query))
        except GraphQLError as exc:
            problems[index] = exc.message
            continue
        if errors:
            problems[index] = errors[0].message
    return problems


async def set_allow_list_mode(
    context: Context, client_id: str, enabled: bool
) -> MutationResult[App]:
    return await run(query_allowlist.set_allow_list_mode(context.actor, client_id, enabled))


async def register_queries(
    context: Context, schema: GraphQLSchema, client_id: str | None, queries: list[str]
) -> MutationResult[list[str]]:
    problems = schema_problems(schema, queries)
    return await run(query_allowlist.register_queries(context.actor, client_id, queries, problems))


async def unregister_queries(
    context: Context, client_id: str | None, hashes: list[str]
) -> MutationResult[int]:
    return await run(query_allowlist.unregister_queries(context.actor, client_id, hashes))
