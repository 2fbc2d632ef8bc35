"""Admin mutations for partner apps: allow-list mode and the queries registered for it."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from library_adapter import graphql_core_schema
from resolvers.brands import app_admin, apps
from resolvers.ids import to_global_id
from schema.common import Node, UserError, local_time, user_errors

if TYPE_CHECKING:
    from models import App
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    App = object


@strawberry.type(description="One day of an app's GraphQL operations (the brand's calendar).")
class AppUsageDay:
    day: date
    requests: int = strawberry.field(description="Operations executed.")
    errors: int = strawberry.field(description="Operations answered with top-level errors.")
    rate_limited: int = strawberry.field(description="Operations refused by the rate limit.")


@strawberry.type(description="A partner system's credentials (the secret is never shown).")
class PartnerApp(Node):
    client_id: str
    name: str
    scopes: list[str]
    is_active: bool
    persisted_queries_only: bool = strawberry.field(
        description="Allow-list mode: only queries registered for the app or brand run."
    )
    model: strawberry.Private[App]

    @classmethod
    def from_model(cls, app: App) -> PartnerApp:
        return cls(
            id=strawberry.ID(to_global_id("PartnerApp", app.id)),
            client_id=app.client_id,
            name=app.name,
            scopes=app.scopes.split(),
            is_active=app.is_active,
            persisted_queries_only=app.persisted_queries_only,
            model=app,
        )

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field(
        description="Until when the secret replaced by the last rotation is still accepted "
        "(null: only the current secret is)."
    )
    async def previous_secret_expires_at(self, info: Info) -> datetime | None:
        found = await app_admin.previous_secret_expiry(self.model)
        return local_time(info, found) if isinstance(found, datetime) else None

    @strawberry.field(
        extensions=requires(Scope.ADMIN),
        description="Operations per day in [from, to] (default: the last 30 days), days with "
        "none left out; at most 366 days.",
    )
    async def usage(
        self,
        info: Info,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
    ) -> list[AppUsageDay]:
        days = await app_admin.app_usage(info.context, self.model, from_, to)
        return [
            AppUsageDay(
                day=d.day, requests=d.requests, errors=d.errors, rate_limited=d.rate_limited
            )
            for d in days
        ]


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
        schema = graphql_core_schema(info.schema)
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
