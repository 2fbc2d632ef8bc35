"""Admin mutations for partner apps: allow-list mode and the queries registered for it."""

from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from models import App
from resolvers.brands import apps
from resolvers.ids import to_global_id
from schema.common import Node, UserError, user_errors


@strawberry.type(description="A partner system's credentials (the secret is never shown).")
class PartnerApp(Node):
    client_id: str
    name: str
    scopes: list[str]
    is_active: bool
    persisted_queries_only: bool = strawberry.field(
        description="Allow-list mode: only queries registered for the app or brand run."
    )

    @classmethod
    def from_model(cls, app: App) -> PartnerApp:
        return cls(
            id=strawberry.ID(to_global_id("PartnerApp", app.id)),
            client_id=app.client_id,
            name=app.name,
            scopes=app.scopes.split(),
            is_active=app.is_active,
            persisted_queries_only=app.persisted_queries_only,
        )


@strawberry.input
class SetAppAllowListModeInput:
    client_id: str
    enabled: bool


@strawberry.type
class SetAppAllowListModePayload:
    app: PartnerApp | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RegisterPersistedQueriesInput:
    client_id: str | None = strawberry.field(
        default=None, description="The app; null registers the queries for every app of the brand."
    )
    queries: list[str]


@strawberry.type
class RegisterPersistedQueriesPayload:
    hashes: list[str] = strawberry.field(
        default_factory=list,
        description="SHA-256 of each query, in order: what clients send as persistedQuery hash.",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class UnregisterPersistedQueriesInput:
    client_id: str | None = None
    hashes: list[str]


@strawberry.type
class UnregisterPersistedQueriesPayload:
    removed: int = 0
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class AppMutations:
    @strawberry.mutation(
        extensions=requires(Scope.ADMIN),
        description="Turn an app's allow-list mode on or off (persisted queries only).",
    )
    async def set_app_allow_list_mode(
        self, info: Info, input: SetAppAllowListModeInput
    ) -> SetAppAllowListModePayload:
        result = await apps.set_allow_list_mode(info.context, input.client_id, input.enabled)
        app = PartnerApp.from_model(result.value) if result.value else None
        return SetAppAllowListModePayload(app=app, errors=user_errors(result.errors))

    @strawberry.mutation(
        extensions=requires(Scope.ADMIN),
        description="Register query texts an allow-listed app (or every app) may run.",
    )
    async def register_persisted_queries(
        self, info: Info, input: RegisterPersistedQueriesInput
    ) -> RegisterPersistedQueriesPayload:
        schema = info.schema._schema
        result = await apps.register_queries(info.context, schema, input.client_id, input.queries)
        return RegisterPersistedQueriesPayload(
            hashes=result.value or [], errors=user_errors(result.errors)
        )

    @strawberry.mutation(extensions=requires(Scope.ADMIN))
    async def unregister_persisted_queries(
        self, info: Info, input: UnregisterPersistedQueriesInput
    ) -> UnregisterPersistedQueriesPayload:
        result = await apps.unregister_queries(info.context, input.client_id, input.hashes)
        return UnregisterPersistedQueriesPayload(
            removed=result.value or 0, errors=user_errors(result.errors)
        )
