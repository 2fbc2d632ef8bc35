from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.ids import to_global_id
from resolvers.loyalty import mutations
from schema.common import UserError, user_errors
from schema.loyalty.inputs import (
    AdjustPointsInput,
    AwardPointsInput,
    EnrollMemberInput,
    IssueCustomerTokenInput,
    PointsInput,
    RecordPurchaseInput,
    RefundPurchaseInput,
    SetLoyaltySettingsInput,
    SetMemberTierInput,
    SetTierLadderInput,
)
from schema.loyalty.previews import PointsPreviewType, PurchasePreviewType
from schema.loyalty.queries import LoyaltySettingsType
from schema.loyalty.types import MembershipType, PointsTransactionType, PurchaseType, TierType
from services.common.errors import FieldError

if TYPE_CHECKING:
    from models import Membership, PointsTransaction


@strawberry.type
class RecordPurchasePayload:
    purchase: PurchaseType | None = None
    points_earned: int | None = None
    membership: MembershipType | None = None
    preview: PurchasePreviewType | None = strawberry.field(
        default=None, description="dryRun: what the purchase would do (purchase is null)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class RefundPurchasePayload:
    purchase: PurchaseType | None = None
    points_reversed: int | None = None
    points_unrecovered: int | None = strawberry.field(
        default=None, description="Points already spent that the balance could not give back."
    )
    restored_coupon_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list,
        description="Coupons redeemed on the purchase given back (the brand's couponRefundRule).",
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class MembershipPayload:
    membership: MembershipType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetTierLadderPayload:
    tiers: list[TierType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SetLoyaltySettingsPayload:
    settings: LoyaltySettingsType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PointsPayload:
    transaction: PointsTransactionType | None = None
    preview: PointsPreviewType | None = strawberry.field(
        default=None, description="dryRun: what the award would do (transaction is null)."
    )
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class IssueCustomerTokenPayload:
    token: str | None = None
    expires_in: int | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


def _membership(m: Membership | None, errors: list[FieldError]) -> MembershipPayload:
    found = MembershipType.from_model(m) if m else None
    return MembershipPayload(membership=found, errors=user_errors(errors))


def _points(info: Info, t: PointsTransaction | None, errors: list[FieldError]) -> PointsPayload:
    found = PointsTransactionType.from_model(t, info.context) if t else None
    return PointsPayload(transaction=found, errors=user_errors(errors))


ADMIN = requires(Scope.ADMIN)


@strawberry.type
class LoyaltyMutations:
    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_WRITE),
        description="Records a purchase, earns points, enrols and upgrades in one transaction.",
    )
    async def record_purchase(
        self, info: Info, input: RecordPurchaseInput
    ) -> RecordPurchasePayload:
        if input.dry_run:
            preview = await mutations.preview_purchase(
                info.context,
                input.customer_id,
                input.amount,
                [i.to_spec() for i in input.items],
                input.store_id,
                input.channel,
                input.occurred_at,
                input.external_id,
            )
            found = PurchasePreviewType(preview=preview.value) if preview.value else None
            return RecordPurchasePayload(preview=found, errors=user_errors(preview.errors))
        result = await mutations.record_purchase(
            info.context,
            input.customer_id,
            input.amount,
            [i.to_spec() for i in input.items],
            input.store_id,
            input.channel,
            input.occurred_at,
            input.external_id,
        )
        if result.value is None:
            return RecordPurchasePayload(errors=user_errors(result.errors))
        r = result.value
        return RecordPurchasePayload(
            purchase=PurchaseType.from_model(r.purchase),
            points_earned=r.points_earned,
            membership=MembershipType.from_model(r.membership),
        )

    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_WRITE),
        description="Full or partial refund: points and tier progress are reversed in proportion.",
    )
    async def refund_purchase(
        self, info: Info, input: RefundPurchaseInput
    ) -> RefundPurchasePayload:
        result = await mutations.refund_purchase(info.context, input.purchase_id, input.amount)
        if result.value is None:
            return RefundPurchasePayload(errors=user_errors(result.errors))
        r = result.value
        return RefundPurchasePayload(
            purchase=PurchaseType.from_model(r.purchase),
            points_reversed=r.points_reversed,
            points_unrecovered=r.points_unrecovered,
            restored_coupon_ids=[
                strawberry.ID(to_global_id("Coupon", pk)) for pk in r.restored_coupon_ids
            ],
        )

    @strawberry.mutation(extensions=requires(Scope.MEMBERSHIPS_WRITE))
    async def enroll_member(self, info: Info, input: EnrollMemberInput) -> MembershipPayload:
        result = await mutations.enroll_member(info.context, input.customer_id)
        return _membership(result.value, result.errors)

    @strawberry.mutation(
        extensions=ADMIN, description="A manual tier, kept as a floor until `until`."
    )
    async def set_member_tier(self, info: Info, input: SetMemberTierInput) -> MembershipPayload:
        result = await mutations.set_member_tier(
            info.context, input.customer_id, input.tier, input.until, input.reason
        )
        return _membership(result.value, result.errors)

    @strawberry.mutation(
        extensions=ADMIN, description="Replaces the brand's ladder (matched by rank)."
    )
    async def set_tier_ladder(self, info: Info, input: SetTierLadderInput) -> SetTierLadderPayload:
        result = await mutations.set_tier_ladder(info.context, [t.values() for t in input.tiers])
        tiers = [TierType.from_model(t) for t in result.value or []]
        return SetTierLadderPayload(tiers=tiers, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=ADMIN)
    async def set_loyalty_settings(
        self, info: Info, input: SetLoyaltySettingsInput
    ) -> SetLoyaltySettingsPayload:
        result = await mutations.set_loyalty_settings(info.context, input.changes())
        found = LoyaltySettingsType.from_model(result.value) if result.value else None
        return SetLoyaltySettingsPayload(settings=found, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=requires(Scope.POINTS_WRITE))
    async def award_points(self, info: Info, input: AwardPointsInput) -> PointsPayload:
        if input.dry_run:
            preview = await mutations.preview_award(
                info.context,
                input.customer_id,
                input.points,
                input.reason,
                input.source,
                input.idempotency_key,
            )
            found = PointsPreviewType(preview=preview.value) if preview.value else None
            return PointsPayload(preview=found, errors=user_errors(preview.errors))
        result = await mutations.change_points(
            info.context,
            "award",
            input.customer_id,
            input.points,
            input.reason,
            input.source,
            input.idempotency_key,
        )
        return _points(info, result.value, result.errors)

    @strawberry.mutation(extensions=requires(Scope.POINTS_WRITE))
    async def redeem_points(self, info: Info, input: PointsInput) -> PointsPayload:
        result = await mutations.change_points(
            info.context,
            "redeem",
            input.customer_id,
            input.points,
            input.reason,
            "offer",
            input.idempotency_key,
        )
        return _points(info, result.value, result.errors)

    @strawberry.mutation(extensions=ADMIN, description="Signed points; a reason is required.")
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> PointsPayload:
        result = await mutations.change_points(
            info.context,
            "adjust",
            input.customer_id,
            input.points,
            input.reason,
            "staff",
            input.idempotency_key,
        )
        return _points(info, result.value, result.errors)

    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_WRITE),
        description="A 15-minute token for one customer, for the brand's trusted frontend.",
    )
    async def issue_customer_token(
        self, info: Info, input: IssueCustomerTokenInput
    ) -> IssueCustomerTokenPayload:
        result = await mutations.issue_customer_token(info.context, input.customer_id)
        if result.value is None:
            return IssueCustomerTokenPayload(errors=user_errors(result.errors))
        return IssueCustomerTokenPayload(
            token=result.value, expires_in=mutations.CUSTOMER_TOKEN_TTL
        )
