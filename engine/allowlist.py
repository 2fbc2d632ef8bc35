"""Allow-list mode: an app so marked runs only the queries registered for it or its brand."""

from __future__ import annotations

from graphql import GraphQLError

from auth.context import Context
from engine.persisted_queries import sha256_hex
from engine.request import Checked, Refusal, Request, RequestPolicy
from services.brands.allowlist import is_registered


def not_allowed(digest: str) -> GraphQLError:
    return GraphQLError(
        "this app may run only registered persisted queries; "
        "ask the brand's admin to register this query",
        extensions={"code": "PERSISTED_QUERY_NOT_ALLOWED", "sha256Hash": digest},
    )


class PersistedQueryAllowList(RequestPolicy):
    def check(self, request: Request) -> Checked:
        context = request.context
        if isinstance(context, Context) and context.allow_list_only:
            return self._refusal(context, request.query or "")
        return None

    async def _refusal(self, context: Context, query: str) -> Refusal | None:
        digest = sha256_hex(query)
        brand, principal = context.brand, context.principal
        app_id = principal.subject_id if principal and principal.kind == "app" else None
        if brand is None or not await is_registered(brand.id, app_id, digest):
            return [not_allowed(digest)]
        return None
