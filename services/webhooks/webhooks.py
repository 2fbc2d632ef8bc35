"""Partner webhook management: create, update, delete (audited); delivery is events.webhooks."""

from __future__ import annotations

from typing import Any

from tortoise.transactions import in_transaction

from events.catalogue import EVENT_TYPES
from events.webhooks import RefusedURL, check_url
from models.events import Webhook, WebhookDelivery
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector

MIN_SECRET = 16


async def _clean(values: dict[str, Any], allow_private: bool) -> dict[str, Any]:
    errors = ErrorCollector()
    if "url" in values:
        try:
            await check_url(str(values["url"]), allow_private)
        except RefusedURL as exc:
            errors.add("url", ErrorCode.INVALID, str(exc))
    if "event_types" in values:
        unknown = sorted(set(values["event_types"]) - set(EVENT_TYPES) - {"*"})
        if unknown:
            errors.add("eventTypes", ErrorCode.INVALID, f"unknown event types: {unknown}")
        values["event_types"] = sorted(set(values["event_types"]))
    if "secret" in values and len(str(values["secret"])) < MIN_SECRET:
        errors.add("secret", ErrorCode.INVALID, f"the secret needs {MIN_SECRET}+ characters")
    errors.raise_if_any()
    return values


async def create_webhook(actor: Actor, values: dict[str, Any], allow_private: bool) -> Webhook:
    cleaned = await _clean(dict(values), allow_private)
    async with in_transaction():
        hook = await Webhook.create(brand_id=actor.brand_id, **cleaned)
        await audit.record(actor, "createWebhook", "Webhook", hook.id, {"url": hook.url})
    return hook


async def _require(actor: Actor, webhook_id: int) -> Webhook:
    hook = await Webhook.select_for_update().get_or_none(id=webhook_id, brand_id=actor.brand_id)
    if hook is None:
        raise DomainError.single("id", ErrorCode.NOT_FOUND, "webhook not found")
    return hook


async def update_webhook(
    actor: Actor, webhook_id: int, changes: dict[str, Any], allow_private: bool
) -> Webhook:
    cleaned = await _clean(dict(changes), allow_private)
    async with in_transaction():
        hook = await _require(actor, webhook_id)
        for key, value in cleaned.items():
            setattr(hook, key, value)
        if cleaned.get("is_active"):
            hook.consecutive_failures, hook.disabled_reason = 0, None
        await hook.save()
        await audit.record(actor, "updateWebhook", "Webhook", hook.id, {"fields": sorted(cleaned)})
    return hook


async def delete_webhook(actor: Actor, webhook_id: int) -> None:
    async with in_transaction():
        hook = await _require(actor, webhook_id)
        await hook.delete()
        await audit.record(actor, "deleteWebhook", "Webhook", webhook_id, {"url": hook.url})


async def list_webhooks(brand_id: int) -> list[Webhook]:
    return await Webhook.filter(brand_id=brand_id).order_by("id")


async def recent_deliveries(
    brand_id: int, webhook_id: int, limit: int = 20
) -> list[WebhookDelivery]:
    query = WebhookDelivery.filter(brand_id=brand_id, webhook_id=webhook_id)
    return await query.order_by("-id").limit(limit)
