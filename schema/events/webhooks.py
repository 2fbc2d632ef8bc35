"""Partner webhooks: list with recent deliveries; create, update, delete (events:write)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.events import webhooks as resolvers
from resolvers.ids import to_global_id
from schema.common import Node, UserError, local_time, user_errors

if TYPE_CHECKING:
    from models.events import Webhook, WebhookDelivery
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Webhook = object
    WebhookDelivery = object


@strawberry.type(name="WebhookDelivery")
class WebhookDeliveryType(Node):
    model: strawberry.Private[WebhookDelivery]

    @classmethod
    def from_model(cls, row: WebhookDelivery) -> WebhookDeliveryType:
        return cls(id=strawberry.ID(to_global_id("WebhookDelivery", row.id)), model=row)

    @strawberry.field
    def webhook_id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id("Webhook", self.model.webhook_id))

    @strawberry.field(description="The signed body, exactly as sent.")
    def body(self) -> str:
        return self.model.body

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field(description="The webhook-id header: receivers de-duplicate by it.")
    def message_id(self) -> str:
        return self.model.message_id

    @strawberry.field(description="PENDING, SUCCEEDED, FAILED or CANCELLED.")
    def status(self) -> str:
        return self.model.status

    @strawberry.field
    def event_type(self) -> str:
        return self.model.event_type

    @strawberry.field
    def event_id(self) -> strawberry.ID:
        return strawberry.ID(str(self.model.event_seq))

    @strawberry.field
    def attempts(self) -> int:
        return self.model.attempts

    @strawberry.field
    def last_error(self) -> str | None:
        return self.model.last_error

    @strawberry.field
    def last_status_code(self) -> int | None:
        return self.model.last_status_code

    @strawberry.field
    def response_ms(self) -> int | None:
        return self.model.response_ms

    @strawberry.field
    def delivered_at(self, info: Info) -> datetime | None:
        at = self.model.delivered_at
        return local_time(info, at) if at else None


@strawberry.type(name="Webhook")
class WebhookType(Node):
    model: strawberry.Private[Webhook]

    @classmethod
    def from_model(cls, row: Webhook) -> WebhookType:
        return cls(id=strawberry.ID(to_global_id("Webhook", row.id)), model=row)

    @strawberry.field
    def url(self) -> str:
        return self.model.url

    @strawberry.field(description="Empty: every event type.")
    def event_types(self) -> list[str]:
        return list(self.model.event_types or [])

    @strawberry.field
    def is_active(self) -> bool:
        return self.model.is_active

    @strawberry.field
    def disabled_reason(self) -> str | None:
        return self.model.disabled_reason

    @strawberry.field(description="The 20 most recent deliveries, newest first.")
    async def recent_deliveries(self, info: Info) -> list[WebhookDeliveryType]:
        rows = await resolvers.deliveries(info.context, self.model)
        return [WebhookDeliveryType.from_model(row) for row in rows]


@strawberry.input
class CreateWebhookInput:
    url: str
    event_types: list[str] = strawberry.field(default_factory=list)
    secret: str = strawberry.field(description="HMAC key (16+ chars, or whsec_<base64>).")


@strawberry.input
class UpdateWebhookInput:
    id: strawberry.ID
    url: str | None = strawberry.UNSET
    event_types: list[str] | None = strawberry.UNSET
    secret: str | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input
class DeleteWebhookInput:
    id: strawberry.ID


@strawberry.type
class WebhookPayload:
    webhook: WebhookType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeleteWebhookPayload:
    deleted_id: strawberry.ID | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class WebhookQueries:
    @strawberry.field(extensions=requires(Scope.EVENTS_WRITE))
    async def webhooks(self, info: Info) -> list[WebhookType]:
        return [WebhookType.from_model(hook) for hook in await resolvers.listing(info.context)]


def _payload(hook: Webhook | None, errors: list) -> WebhookPayload:  # type: ignore[type-arg]
    return WebhookPayload(
        webhook=WebhookType.from_model(hook) if hook else None, errors=user_errors(errors)
    )


@strawberry.type
class WebhookMutations:
    @strawberry.mutation(extensions=requires(Scope.EVENTS_WRITE))
    async def create_webhook(self, info: Info, input: CreateWebhookInput) -> WebhookPayload:
        values = {"url": input.url, "event_types": input.event_types, "secret": input.secret}
        result = await resolvers.create(info.context, values)
        return _payload(result.value, result.errors)

    @strawberry.mutation(extensions=requires(Scope.EVENTS_WRITE))
    async def update_webhook(self, info: Info, input: UpdateWebhookInput) -> WebhookPayload:
        changes = {
            k: getattr(input, k)
            for k in ("url", "event_types", "secret", "is_active")
            if getattr(input, k) is not strawberry.UNSET and getattr(input, k) is not None
        }
        result = await resolvers.update(info.context, input.id, changes)
        return _payload(result.value, result.errors)

    @strawberry.mutation(extensions=requires(Scope.EVENTS_WRITE))
    async def delete_webhook(self, info: Info, input: DeleteWebhookInput) -> DeleteWebhookPayload:
        result = await resolvers.delete(info.context, input.id)
        deleted = strawberry.ID(result.value) if result.value else None
        return DeleteWebhookPayload(deleted_id=deleted, errors=user_errors(result.errors))
