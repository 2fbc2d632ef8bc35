"""Webhooks partners can operate: `sendTestWebhook`, `webhookDeadLetters`,
`redeliverWebhookMessages` (events:write)."""

from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.events import webhooks as resolvers
from schema.common import Edge, PageInfo, UserError, argument_or_input, edges, user_errors
from schema.events.webhooks import WebhookDeliveryType
from services.common.errors import ErrorCode
from services.common.pagination import PageRequest

WRITE = requires(Scope.EVENTS_WRITE)


@strawberry.type(description="A test message as it was sent, and how the receiver answered.")
class TestWebhookDelivery:
    message_id: str = strawberry.field(description="The webhook-id header (msg_test_...).")
    body: str = strawberry.field(description='The signed body: a sample, with "test": true.')
    succeeded: bool
    status_code: int | None
    response_ms: int
    error: str | None


@strawberry.input
class SendTestWebhookInput:
    webhook_id: strawberry.ID
    event_type: str = strawberry.field(description="e.g. purchase.recorded")


@strawberry.type
class SendTestWebhookPayload:
    delivery: TestWebhookDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Give deliveryIds, or all: true (optionally for one webhookId).")
class RedeliverWebhookMessagesInput:
    delivery_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="Dead letters to send again (at most 1,000)."
    )
    webhook_id: strawberry.ID | None = None
    all: bool = strawberry.field(
        default=False, description="Every dead letter of the brand's active webhooks."
    )


@strawberry.type
class RedeliverWebhookMessagesPayload:
    count: int = 0
    deliveries: list[WebhookDeliveryType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookDeliveryConnection:
    edges: list[Edge[WebhookDeliveryType]]
    page_info: PageInfo


@strawberry.type
class WebhookOperationQueries:
    @strawberry.field(
        extensions=WRITE,
        description="Deliveries that exhausted their retries (status FAILED), newest first.",
    )
    async def webhook_dead_letters(
        self,
        info: Info,
        webhook_id: strawberry.ID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> WebhookDeliveryConnection:
        page = await resolvers.dead_letters(
            info.context,
            str(webhook_id) if webhook_id else None,
            PageRequest(first=first, after=after),
        )
        return WebhookDeliveryConnection(
            edges=edges(page, lambda row: WebhookDeliveryType.from_model(row)),
            page_info=PageInfo.from_page(page),
        )


@strawberry.type
class WebhookOperationMutations:
    @strawberry.mutation(
        extensions=WRITE,
        description="Sends a real sample of the event type, signed, marked as a test, now.",
    )
    async def send_test_webhook(
        self,
        info: Info,
        webhook_id: strawberry.ID | None = None,
        event_type: str | None = None,
        input: SendTestWebhookInput | None = None,
    ) -> SendTestWebhookPayload:
        hook, refused = argument_or_input("webhookId", webhook_id, input and input.webhook_id)
        kind, refused_kind = argument_or_input("eventType", event_type, input and input.event_type)
        if refused or refused_kind:
            return SendTestWebhookPayload(errors=refused or refused_kind)
        result = await resolvers.send_test(info.context, str(hook), str(kind))
        sent = result.value
        if sent is None:
            return SendTestWebhookPayload(errors=user_errors(result.errors))
        return SendTestWebhookPayload(
            delivery=TestWebhookDelivery(
                message_id=sent.message_id,
                body=sent.body,
                succeeded=sent.succeeded,
                status_code=sent.status_code,
                response_ms=sent.response_ms,
                error=sent.error,
            )
        )

    @strawberry.mutation(
        extensions=WRITE,
        description="Sends dead letters again with their original webhook-id.",
    )
    async def redeliver_webhook_messages(
        self,
        info: Info,
        delivery_ids: list[strawberry.ID] | None = None,
        webhook_id: strawberry.ID | None = None,
        all: bool | None = None,
        input: RedeliverWebhookMessagesInput | None = None,
    ) -> RedeliverWebhookMessagesPayload:
        if input is not None and (delivery_ids is not None or webhook_id or all is not None):
            message = "give deliveryIds, webhookId and all as arguments or inside `input`"
            wrong = UserError(field="input", code=ErrorCode.INVALID, message=message)
            return RedeliverWebhookMessagesPayload(errors=[wrong])
        if input is not None:
            delivery_ids, webhook_id, all = input.delivery_ids, input.webhook_id, input.all
        ids = [str(i) for i in delivery_ids] if delivery_ids is not None else None
        hook = str(webhook_id) if webhook_id else None
        result = await resolvers.redeliver(info.context, ids, hook, bool(all))
        found = result.value or []
        return RedeliverWebhookMessagesPayload(
            count=len(found),
            deliveries=[WebhookDeliveryType.from_model(d) for d in found],
            errors=user_errors(result.errors),
        )
