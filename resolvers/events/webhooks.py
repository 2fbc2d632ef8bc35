from __future__ import annotations

from typing import Any

from auth.context import Context
from models.events import Webhook, WebhookDelivery
from resolvers.results import MutationResult, decode_or_error, run
from services.webhooks import webhooks


async def create(context: Context, values: dict[str, Any]) -> MutationResult[Webhook]:
    allow = context.settings.webhook_allow_private
    return await run(webhooks.create_webhook(context.actor, values, allow))


async def update(context: Context, gid: str, changes: dict[str, Any]) -> MutationResult[Webhook]:
    async def operation() -> Webhook:
        pk = decode_or_error(gid, "Webhook", "id")
        allow = context.settings.webhook_allow_private
        return await webhooks.update_webhook(context.actor, pk, changes, allow)

    return await run(operation())


async def delete(context: Context, gid: str) -> MutationResult[str]:
    async def operation() -> str:
        await webhooks.delete_webhook(context.actor, decode_or_error(gid, "Webhook", "id"))
        return gid

    return await run(operation())


async def listing(context: Context) -> list[Webhook]:
    return await webhooks.list_webhooks(context.require_brand().id)


async def deliveries(context: Context, hook: Webhook) -> list[WebhookDelivery]:
    return await webhooks.recent_deliveries(context.require_brand().id, hook.id)
