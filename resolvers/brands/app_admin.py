"""Partner apps managed through GraphQL: the CLI's `crm app ...` for a brand's admin."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from auth.context import Context
from auth.live_connections import Revocation
from auth.scopes import ALL_SCOPES
from resolvers.auth.revocations import announce
from resolvers.errors import bad_input
from resolvers.results import MutationResult, decode_or_error, run
from services.brands import apps, brands, previous_secrets, usage

if TYPE_CHECKING:
    from models import App


def _grant(context: Context) -> apps.Grant:
    assert context.principal is not None
    return apps.Grant(known=ALL_SCOPES, held=context.principal.effective_scopes)


async def list_apps(context: Context) -> list[App]:
    return await apps.list_apps(context.require_brand().id)


async def create_app(
    context: Context, name: str, scopes: list[str]
) -> MutationResult[brands.AppCredentials]:
    return await run(apps.create_app(context.actor, _grant(context), name, scopes))


async def update_scopes(context: Context, app_id: str, scopes: list[str]) -> MutationResult[App]:
    async def operation() -> App:
        pk = decode_or_error(app_id, "PartnerApp", "appId")
        return await apps.update_scopes(context.actor, _grant(context), pk, scopes)

    return await run(operation())


async def set_enabled(context: Context, app_id: str, enabled: bool) -> MutationResult[App]:
    async def operation() -> App:
        app = await apps.set_enabled(
            context.actor, decode_or_error(app_id, "PartnerApp", "appId"), enabled
        )
        if not enabled:
            await announce(context, Revocation(app.brand_id, subject=f"app:{app.id}"))
        return app

    return await run(operation())


async def rotate_secret(
    context: Context, app_id: str, overlap_seconds: int
) -> MutationResult[apps.NewSecret]:
    async def operation() -> apps.NewSecret:
        pk = decode_or_error(app_id, "PartnerApp", "appId")
        return await apps.rotate_secret(context.actor, pk, overlap_seconds)

    return await run(operation())


async def previous_secret_expiry(app: App) -> object:
    return await previous_secrets.last_expiry(app)


async def app_usage(
    context: Context, app: App, since: date | None, until: date | None
) -> list[usage.UsageDay]:
    today = datetime.now(context.tz).date()
    until = until or today
    since = since or until - timedelta(days=29)
    if since > until or (until - since).days >= usage.MAX_DAYS:
        raise bad_input(f"from must not be after to, and at most {usage.MAX_DAYS} days apart")
    return await usage.usage(context.require_brand().id, app.id, since, until)
