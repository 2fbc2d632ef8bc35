"""Allow-list mode: an app so marked runs only the queries registered for it or its brand."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from auth.context import Context
from engine.persisted_queries import sha256_hex
from services.brands.allowlist import is_registered


def not_allowed(digest: str) -> GraphQLError:
    return GraphQLError(
        "this app may run only registered persisted queries; "
        "ask the brand's admin to register this query",
        extensions={"code": "PERSISTED_QUERY_NOT_ALLOWED", "sha256Hash": digest},
    )


class PersistedQueryAllowList(SchemaExtension):
    """Checked before validation and execution, on HTTP, batches and websockets alike."""

    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]
        ctx = self.execution_context
        context = ctx.context
        if (
            isinstance(context, Context)
            and context.allow_list_only
            and not ctx.pre_execution_errors
        ):
            digest = sha256_hex(ctx.query or "")
            brand, principal = context.brand, context.principal
            app_id = principal.subject_id if principal and principal.kind == "app" else None
            if brand is None or not await is_registered(brand.id, app_id, digest):
                ctx.pre_execution_errors = [not_allowed(digest)]
        yield
