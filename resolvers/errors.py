from __future__ import annotations

from graphql import GraphQLError


def bad_input(message: str) -> GraphQLError:
    """A malformed request (bad id, oversized page): a top-level error, nothing executed."""
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT"})
