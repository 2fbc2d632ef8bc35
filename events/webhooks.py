"""Partner webhooks: URL policy, Standard Webhooks signing, queueing and delivery with retries."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
import orjson
from tortoise.expressions import F

from config import Settings
from events.outbox import Event, utcnow
from models.events import OutboxEvent, Webhook, WebhookDelivery
from models.rows import fetch_models
from observability import metrics

log = logging.getLogger("crm.webhooks")

CLAIM_SECONDS = 120
MAX_ERROR = 500


class RefusedURL(ValueError):
    pass


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


async def check_url(url: str, allow_private: bool) -> None:
    """Refuse non-http(s) URLs and hosts resolving to private, loopback or link-local addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedURL("the URL must be http(s)://host/...")
    if parts.username or parts.password:
        raise RefusedURL("the URL must not carry credentials")
    if allow_private:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            parts.hostname,
            parts.port or (443 if parts.scheme == "https" else 80),
            type=socket.SOCK_STREAM,
        )
    except OSError as exc:
        raise RefusedURL(f"the host does not resolve: {parts.hostname}") from exc
    for info in infos:
        if _is_private(str(info[4][0])):
            raise RefusedURL("private, loopback and link-local addresses are not allowed")


def secret_bytes(secret: str) -> bytes:
    """`whsec_<base64>` secrets (Standard Webhooks) are decoded; others are used as UTF-8."""
    if secret.startswith("whsec_"):
        with contextlib.suppress(ValueError):
            return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    return secret.encode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    signed = f"{message_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def message_id(event: Event) -> str:
    return f"msg_{event.brand_id}_{event.seq}"


def body_of(event: Event, *, test: bool = False) -> str:
    data = {
        "id": str(event.seq),
        "customerId": event.customer_id,
        "subjectType": event.subject_type,
        "subjectId": event.subject_id,
        **event.payload,
    }
    document: dict[str, object] = {
        "type": event.type,
        "timestamp": event.occurred_at.isoformat(),
    }
    if test:
        document["test"] = True
    document["data"] = data
    return orjson.dumps(document).decode()


@dataclass(frozen=True)
class Attempt:
    status_code: int | None
    error: str | None
    elapsed_ms: int

    @property
    def succeeded(self) -> bool:
        return self.error is None


async def send_once(
    client: httpx.AsyncClient,
    settings: Settings,
    hook: Webhook,
    message: str,
    body: str,
    extra_headers: dict[str, str] | None = None,
) -> Attempt:
    """POST one signed message (Standard Webhooks headers) to the webhook's URL."""
    started = time.perf_counter()
    error: str | None = None
    status_code: int | None = None
    try:
        await check_url(hook.url, settings.webhook_allow_private)
        timestamp = int(time.time())
        signature = sign(hook.secret, message, timestamp, body)
        headers = {
            "content-type": "application/json",
            "webhook-id": message,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature,
            **(extra_headers or {}),
        }
        response = await client.post(hook.url, content=body, headers=headers)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except (httpx.HTTPError, RefusedURL, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
    return Attempt(status_code, error, int((time.perf_counter() - started) * 1000))


def matches(webhook: Webhook, event_type: str) -> bool:
    types: list[str] = list(webhook.event_types or [])
    return not types or event_type in types or "*" in types


async def enqueue(rows: Sequence[OutboxEvent]) -> None:
    """Queue a delivery per matching active webhook; called by the relay in its transaction."""
    brand_ids = sorted({row.brand_id for row in rows})  # usually one: few distinct statements
    marks = ", ".join("?" * len(brand_ids))
    hooks = await fetch_models(
        Webhook,
        f"SELECT * FROM webhooks WHERE is_active = ? AND brand_id IN ({marks})",
        [True, *brand_ids],
    )
    if not hooks:
        return
    now = utcnow()
    deliveries = []
    for row in rows:
        event = Event.from_row(row)
        for hook in hooks:
            if hook.brand_id == row.brand_id and matches(hook, row.type):
                deliveries.append(
                    WebhookDelivery(
                        brand_id=row.brand_id,
                        webhook_id=hook.id,
                        event_seq=row.seq,
                        event_type=row.type,
                        message_id=message_id(event),
                        body=body_of(event),
                        next_attempt_at=now,
                    )
                )
    if deliveries:
        await WebhookDelivery.bulk_create(deliveries, ignore_conflicts=True)


class Dispatcher:
    """Sends due deliveries; failures retry after base * 2^(attempt-1) seconds."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.AsyncClient(timeout=settings.webhook_timeout_seconds)
        self.waker = asyncio.Event()
        self.stopped = False

    async def close(self) -> None:
        await self.client.aclose()

    async def deliver_due(self) -> int:
        now = utcnow()
        due = (
            await WebhookDelivery.filter(status="PENDING", next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .limit(20)
        )
        claimed: list[WebhookDelivery] = []
        for delivery in due:
            lease = now + timedelta(seconds=CLAIM_SECONDS)
            won = await WebhookDelivery.filter(
                id=delivery.id, status="PENDING", attempts=delivery.attempts
            ).update(attempts=delivery.attempts + 1, next_attempt_at=lease)
            if won:
                delivery.attempts += 1
                claimed.append(delivery)
        await asyncio.gather(*(self._attempt(d) for d in claimed))
        return len(claimed)

    async def _attempt(self, delivery: WebhookDelivery) -> None:
        hook = await Webhook.get_or_none(id=delivery.webhook_id, brand_id=delivery.brand_id)
        if hook is None or not hook.is_active:
            await WebhookDelivery.filter(id=delivery.id).update(
                status="CANCELLED", last_error="webhook disabled or deleted"
            )
            return
        sent = await send_once(self.client, self.settings, hook, delivery.message_id, delivery.body)
        error, status_code, elapsed_ms = sent.error, sent.status_code, sent.elapsed_ms
        await self._record(hook, delivery, error, status_code, elapsed_ms)

    async def _record(
        self,
        hook: Webhook,
        delivery: WebhookDelivery,
        error: str | None,
        status_code: int | None,
        elapsed_ms: int,
    ) -> None:
        common = {"last_status_code": status_code, "response_ms": elapsed_ms, "last_error": error}
        if error is None:
            await WebhookDelivery.filter(id=delivery.id).update(
                status="SUCCEEDED", delivered_at=utcnow(), next_attempt_at=None, **common
            )
            await Webhook.filter(id=hook.id).update(consecutive_failures=0)
            return
        final = delivery.attempts >= self.settings.webhook_max_attempts
        metrics.webhook_attempt_failed(final)
        if final:
            await WebhookDelivery.filter(id=delivery.id).update(
                status="FAILED", next_attempt_at=None, **common
            )
        else:
            delay = self.settings.webhook_retry_base_seconds * 2 ** (delivery.attempts - 1)
            retry_at = utcnow() + timedelta(seconds=delay)
            await WebhookDelivery.filter(id=delivery.id).update(next_attempt_at=retry_at, **common)
        await Webhook.filter(id=hook.id).update(consecutive_failures=F("consecutive_failures") + 1)
        fresh = await Webhook.get_or_none(id=hook.id)
        if fresh is not None and fresh.consecutive_failures >= self.settings.webhook_disable_after:
            count = fresh.consecutive_failures
            reason = f"disabled after {count} consecutive failed attempts: {error}"
            await Webhook.filter(id=hook.id).update(is_active=False, disabled_reason=reason[:500])
            log.warning("webhook %s disabled: %s", hook.id, reason)

    async def run(self) -> None:
        while not self.stopped:
            try:
                sent = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook dispatch failed; retrying")
                sent = 0
                await asyncio.sleep(1.0)
            if sent:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.waker.wait(), min(self.settings.events_poll_seconds, 1))
            self.waker.clear()
