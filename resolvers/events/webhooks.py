from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from resolvers.results import MutationResult, decode_or_error, run
from services.common.pagination import Page, PageRequest, PaginationError
from services.webhooks import operations, webhooks
from services.webhooks.operations import TestDelivery

if TYPE_CHECKING:
    from models.events import Webhook, WebhookDelivery


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


async def send_test(context: Context, gid: str, event_type: str) -> MutationResult[TestDelivery]:
    async def operation() -> TestDelivery:
        pk = decode_or_error(gid, "Webhook", "webhookId")
        return await operations.send_test(context.actor, context.settings, pk, event_type)

    return await run(operation())


async def dead_letters(
    context: Context, webhook_gid: str | None, page: PageRequest
) -> Page[WebhookDelivery]:
    pk = None
    if webhook_gid is not None:
        try:
            pk = decode_id(webhook_gid, "Webhook")
        except BadGlobalId as exc:
            raise bad_input(str(exc)) from exc
    try:
        return await operations.dead_letters(context.require_brand().id, pk, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def redeliver(
    context: Context, delivery_gids: list[str] | None, webhook_gid: str | None, everything: bool
) -> MutationResult[list[WebhookDelivery]]:
    async def operation() -> list[WebhookDelivery]:
        ids = (
            [decode_or_error(g, "WebhookDelivery", "deliveryIds") for g in delivery_gids]
            if delivery_gids is not None
            else None
        )
        hook = decode_or_error(webhook_gid, "Webhook", "webhookId") if webhook_gid else None
        return await operations.redeliver(context.actor, ids, hook, everything)

    return await run(operation())
