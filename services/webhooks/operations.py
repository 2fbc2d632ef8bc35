"""What a partner does with its webhooks besides managing them: send a test message, list the
deliveries that exhausted their retries (dead letters), and send those again with the same
`webhook-id` (receivers de-duplicate by it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
from tortoise.transactions import in_transaction

from config import Settings
from events.catalogue import EVENT_TYPES
from events.outbox import Event
from events.payloads import sample, subject_type
from events.webhooks import body_of, send_once
from models.events import Webhook, WebhookDelivery
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, FieldError
from services.common.pagination import Page, PageRequest, paginate

MAX_REDELIVER_IDS = 1000
DEAD = "FAILED"


@dataclass(frozen=True)
class TestDelivery:
    message_id: str
    body: str
    status_code: int | None
    error: str | None
    response_ms: int

    @property
    def succeeded(self) -> bool:
        return self.error is None


async def _hook(actor: Actor, webhook_id: int, field: str = "webhookId") -> Webhook:
    hook = await Webhook.get_or_none(brand_id=actor.brand_id, id=webhook_id)
    if hook is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "webhook not found")
    return hook


def sample_event(brand_id: int, event_type: str) -> Event:
    subject = subject_type(event_type)
    return Event(
        brand_id=brand_id,
        seq=0,
        type=event_type,
        customer_id=42,
        subject_type=subject,
        subject_id="0" if subject else None,
        payload=sample(event_type),
        occurred_at=datetime.now(UTC),
    )


async def send_test(
    actor: Actor,
    settings: Settings,
    webhook_id: int,
    event_type: str,
    client: httpx.AsyncClient | None = None,
) -> TestDelivery:
    """POST a sample of the event type, signed with the webhook's secret, marked `"test": true`
    (and header `webhook-test: true`), now; it is not retried and does not count as a failure
    of the webhook. Audited."""
    if event_type not in EVENT_TYPES:
        raise DomainError.single(
            "eventType", ErrorCode.INVALID, f"unknown event type '{event_type}'"
        )
    hook = await _hook(actor, webhook_id)
    message = f"msg_test_{uuid.uuid4().hex}"
    body = body_of(sample_event(actor.brand_id, event_type), test=True)
    own = client is None
    client = client or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
    try:
        sent = await send_once(client, settings, hook, message, body, {"webhook-test": "true"})
    finally:
        if own:
            await client.aclose()
    async with in_transaction():
        details = {"eventType": event_type, "messageId": message, "status": sent.status_code}
        await audit.record(actor, "sendTestWebhook", "Webhook", hook.id, details)
    return TestDelivery(message, body, sent.status_code, sent.error, sent.elapsed_ms)


async def dead_letters(
    brand_id: int, webhook_id: int | None, page: PageRequest
) -> Page[WebhookDelivery]:
    """Deliveries that exhausted their retries, newest first."""
    query = WebhookDelivery.filter(brand_id=brand_id, status=DEAD)
    if webhook_id is not None:
        query = query.filter(webhook_id=webhook_id)
    return await paginate(query, "created_at", True, page, is_datetime=True)


async def redeliver(
    actor: Actor,
    delivery_ids: list[int] | None,
    webhook_id: int | None = None,
    everything: bool = False,
) -> list[WebhookDelivery]:
    """Queue dead letters again, as new: attempts from zero, the same message id and body.
    Either the given ids (all of them must be dead letters of an active webhook of the brand,
    or nothing is queued) or, with `everything`, every dead letter of the brand's active
    webhooks (of one webhook with `webhook_id`). Audited."""
    if everything == (delivery_ids is not None):
        raise DomainError.single("deliveryIds", ErrorCode.INVALID, "give deliveryIds or all")
    if delivery_ids is not None and not 1 <= len(delivery_ids) <= MAX_REDELIVER_IDS:
        raise DomainError.single(
            "deliveryIds", ErrorCode.INVALID, f"give 1 to {MAX_REDELIVER_IDS} ids"
        )
    if webhook_id is not None:
        await _hook(actor, webhook_id)
    async with in_transaction():
        active = Webhook.filter(brand_id=actor.brand_id, is_active=True)
        if webhook_id is not None:
            active = active.filter(id=webhook_id)
        hooks: set[int] = set(await active.values_list("id", flat=True))  # type: ignore[arg-type]
        query = WebhookDelivery.filter(brand_id=actor.brand_id, status=DEAD)
        if delivery_ids is not None:
            found = {
                d.id: d
                for d in await WebhookDelivery.filter(
                    brand_id=actor.brand_id, id__in=delivery_ids
                ).select_for_update()
            }
            _check_each(delivery_ids, found, hooks)
            query = query.filter(id__in=delivery_ids)
        else:
            query = query.filter(webhook_id__in=list(hooks))
        ids = sorted(await query.values_list("id", flat=True))
        if ids:
            await WebhookDelivery.filter(id__in=ids, status=DEAD).update(
                status="PENDING",
                attempts=0,
                next_attempt_at=datetime.now(UTC),
                last_error=None,
                delivered_at=None,
            )
        details = {"count": len(ids), "all": everything, "webhook": webhook_id}
        await audit.record(actor, "redeliverWebhookMessages", "Webhook", webhook_id, details)
    return await WebhookDelivery.filter(id__in=ids).order_by("id")


def _check_each(ids: list[int], found: dict[int, WebhookDelivery], hooks: set[int]) -> None:
    errors: list[FieldError] = []
    for pk in ids:
        delivery = found.get(pk)
        if delivery is None:
            errors.append(FieldError("deliveryIds", ErrorCode.NOT_FOUND, f"no delivery {pk}"))
        elif delivery.status != DEAD:
            message = f"delivery {pk} is {delivery.status}, not a dead letter"
            errors.append(FieldError("deliveryIds", ErrorCode.CONFLICT, message))
        elif delivery.webhook_id not in hooks:
            message = f"delivery {pk}: its webhook is disabled; enable it first"
            errors.append(FieldError("deliveryIds", ErrorCode.CONFLICT, message))
    if errors:
        raise DomainError(errors)
