"""Referral mutations and queries."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import strawberry

from auth.context import Info
from auth.permissions import requires, scope_or_customer
from auth.scopes import Scope
from resolvers.referrals import resolvers
from schema.common import UserError, user_errors
from schema.referrals.types import ReferralReportType, ReferralSettingsType, ReferralType

# Referrals belong to customers: customers:write (or the customer's own token) applies a code.
OWN = scope_or_customer(Scope.CUSTOMERS_WRITE)


@strawberry.input
class ApplyReferralCodeInput:
    customer_id: strawberry.ID
    code: str


@strawberry.input
class RecordReferralInviteInput:
    customer_id: strawberry.ID
    channel: str = strawberry.field(
        default="OTHER", description="LINK, SMS, EMAIL, WECHAT, SOCIAL, IN_STORE or OTHER."
    )


@strawberry.input(description="Only the fields given are changed; an offer id null clears it.")
class ConfigureReferralsInput:
    enabled: bool | None = None
    trigger: str | None = strawberry.field(default=None, description="SIGNUP or FIRST_PURCHASE.")
    min_purchase: Decimal | None = None
    referrer_points: int | None = None
    referee_points: int | None = None
    referrer_offer_id: strawberry.ID | None = strawberry.UNSET
    referee_offer_id: strawberry.ID | None = strawberry.UNSET
    monthly_cap: int | None = None
    attribution_days: int | None = None


@strawberry.type
class ReferralPayload:
    referral: ReferralType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RecordReferralInvitePayload:
    recorded: bool = False
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReferralSettingsPayload:
    settings: ReferralSettingsType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _id(value: object) -> str | None:
    return None if value is None or value is strawberry.UNSET else str(value)


@strawberry.type
class ReferralMutations:
    @strawberry.mutation(
        extensions=OWN,
        description="Attributes a new customer (no purchase yet) to the code's owner. Refusals: "
        "NOT_FOUND, SELF_REFERRAL, ALREADY_REFERRED, REFERRAL_LIMIT_REACHED, NOT_ELIGIBLE, "
        "REFERRALS_DISABLED.",
    )
    async def apply_referral_code(
        self, info: Info, input: ApplyReferralCodeInput
    ) -> ReferralPayload:
        result = await resolvers.apply_code(info.context, input.customer_id, input.code)
        found = ReferralType.from_model(result.value) if result.value else None
        return ReferralPayload(referral=found, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=OWN, description="A member shared their code (the report).")
    async def record_referral_invite(
        self, info: Info, input: RecordReferralInviteInput
    ) -> RecordReferralInvitePayload:
        result = await resolvers.record_invite(info.context, input.customer_id, input.channel)
        return RecordReferralInvitePayload(
            recorded=result.value is not None, errors=user_errors(result.errors)
        )

    @strawberry.mutation(extensions=requires(Scope.ADMIN))
    async def configure_referrals(
        self, info: Info, input: ConfigureReferralsInput
    ) -> ReferralSettingsPayload:
        values: dict[str, object] = {
            key: getattr(input, key)
            for key in (
                "enabled",
                "trigger",
                "min_purchase",
                "referrer_points",
                "referee_points",
                "monthly_cap",
                "attribution_days",
            )
            if getattr(input, key) is not None
        }
        result = await resolvers.configure(
            info.context,
            values,
            _id(input.referrer_offer_id),
            _id(input.referee_offer_id),
            clear_referrer=input.referrer_offer_id is None,
            clear_referee=input.referee_offer_id is None,
        )
        found = ReferralSettingsType.from_model(result.value) if result.value else None
        return ReferralSettingsPayload(settings=found, errors=user_errors(result.errors))


@strawberry.type
class ReferralQueries:
    @strawberry.field(extensions=requires(Scope.CUSTOMERS_READ))
    async def referral_settings(self, info: Info) -> ReferralSettingsType:
        return ReferralSettingsType.from_model(await resolvers.settings(info.context))

    @strawberry.field(
        extensions=requires(Scope.ANALYTICS_READ),
        description="Invites, sign-ups, first purchases, rewards and the referral rate over "
        "[from, to).",
    )
    async def referral_report(
        self,
        info: Info,
        from_: Annotated[datetime, strawberry.argument(name="from")],
        to: datetime,
    ) -> ReferralReportType:
        return ReferralReportType.from_report(
            await resolvers.referral_report(info.context, from_, to)
        )
