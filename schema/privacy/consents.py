"""Consent per channel: `Customer.consents` and `setCustomerConsent`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import scope_or_customer
from auth.scopes import Scope
from resolvers.privacy import consents
from schema.common import UserError, local_time, user_errors

if TYPE_CHECKING:
    from models import Customer as CustomerModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object


@strawberry.enum(description="Where a brand's messaging gateway may reach a customer.")
class MessageChannel(Enum):
    SMS = "SMS"
    EMAIL = "EMAIL"
    PUSH = "PUSH"
    WECHAT = "WECHAT"


@strawberry.type(description="Marketing consent on one channel.")
class Consent:
    channel: MessageChannel
    granted: bool
    source: str = strawberry.field(
        description="How it was given or withdrawn (e.g. APP_SETTINGS, STORE_FORM); PROFILE: "
        "follows the profile's marketingConsent, recorded before consents per channel."
    )
    given_at: datetime | None = strawberry.field(description="When (null for PROFILE).")
    recorded_by: str | None = strawberry.field(description="Who recorded it (kind:id).")

    @classmethod
    def from_state(cls, info: Info, state: consents.ConsentState) -> Consent:
        return cls(
            channel=MessageChannel(state.channel),
            granted=state.granted,
            source=state.source,
            given_at=local_time(info, state.given_at) if state.given_at else None,
            recorded_by=state.recorded_by,
        )


@strawberry.type
class CustomerConsentFields:
    model: strawberry.Private[CustomerModel]

    @strawberry.field(description="Marketing consent on each channel: SMS, EMAIL, PUSH, WECHAT.")
    async def consents(self, info: Info) -> list[Consent]:
        return [
            Consent.from_state(info, s)
            for s in await consents.consents_of(info.context, self.model)
        ]


@strawberry.input
class ConsentChoice:
    channel: MessageChannel
    granted: bool


@strawberry.input
class SetCustomerConsentInput:
    customer_id: strawberry.ID
    consents: list[ConsentChoice]
    source: str = strawberry.field(description="How it was given: APP_SETTINGS, STORE_FORM...")
    given_at: datetime | None = strawberry.field(default=None, description="Default: now.")


@strawberry.type
class SetCustomerConsentPayload:
    consents: list[Consent] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ConsentMutations:
    @strawberry.mutation(
        extensions=scope_or_customer(Scope.CUSTOMERS_WRITE),
        description="Give or withdraw marketing consent per channel, saying when and how.",
    )
    async def set_customer_consent(
        self, info: Info, input: SetCustomerConsentInput
    ) -> SetCustomerConsentPayload:
        changes = [(c.channel.value, c.granted) for c in input.consents]
        result = await consents.set_consents(
            info.context, input.customer_id, changes, input.source, input.given_at
        )
        states = result.value[1] if result.value else []
        return SetCustomerConsentPayload(
            consents=[Consent.from_state(info, s) for s in states],
            errors=user_errors(result.errors),
        )
