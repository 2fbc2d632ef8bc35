from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Context, Info
from auth.permissions import customer_only, requires
from auth.scopes import Scope
from resolvers.offers import mutations
from resolvers.results import MutationResult
from schema.common import UserError, user_errors
from schema.offers.inputs import (
    ClaimOfferInput,
    CreateOfferInput,
    IssueOfferInput,
    RedeemCouponInput,
    UpdateOfferInput,
    VoidCouponInput,
    changes_of,
)
from schema.offers.types import CouponType, OfferType

if TYPE_CHECKING:
    from models.offers import Coupon, Offer

WRITE = requires(Scope.OFFERS_WRITE)


@strawberry.type
class OfferPayload:
    offer: OfferType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


DRY_RUN = "dryRun: the answer is what would happen; nothing was written."


@strawberry.type
class IssueOfferPayload:
    offer: OfferType | None = None
    issued_count: int | None = None
    dry_run: bool = strawberry.field(default=False, description=DRY_RUN)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CouponPayload:
    coupon: CouponType | None = None
    dry_run: bool = strawberry.field(default=False, description=DRY_RUN)
    errors: list[UserError] = strawberry.field(default_factory=list)


def _offer(result: MutationResult[Offer]) -> OfferPayload:
    found = OfferType.from_model(result.value) if result.value else None
    return OfferPayload(offer=found, errors=user_errors(result.errors))


def _coupon(result: MutationResult[Coupon], context: Context) -> CouponPayload:
    found = CouponType.from_model(result.value, context) if result.value else None
    return CouponPayload(coupon=found, errors=user_errors(result.errors))


@strawberry.type
class OfferMutations:
    @strawberry.mutation(extensions=WRITE)
    async def create_offer(self, info: Info, input: CreateOfferInput) -> OfferPayload:
        values = {k: v for k, v in changes_of(input).items() if v is not None}
        return _offer(await mutations.create_offer(info.context, values))

    @strawberry.mutation(extensions=WRITE)
    async def update_offer(self, info: Info, input: UpdateOfferInput) -> OfferPayload:
        return _offer(await mutations.update_offer(info.context, input.id, changes_of(input)))

    @strawberry.mutation(
        extensions=WRITE,
        description="Bulk issuance to customers or a segment, capped by stock and limits.",
    )
    async def issue_offer(self, info: Info, input: IssueOfferInput) -> IssueOfferPayload:
        result = await mutations.issue_offer(
            info.context,
            input.offer_id,
            [str(c) for c in input.customer_ids] if input.customer_ids is not None else None,
            str(input.segment_id) if input.segment_id else None,
            input.idempotency_key,
            dry_run=input.dry_run,
        )
        if result.value is None:
            return IssueOfferPayload(errors=user_errors(result.errors))
        offer, count = result.value
        return IssueOfferPayload(
            offer=OfferType.from_model(offer), issued_count=count, dry_run=input.dry_run
        )

    @strawberry.mutation(
        extensions=customer_only(),
        description="The customer takes a coupon; a points cost is paid in the same transaction.",
    )
    async def claim_offer(self, info: Info, input: ClaimOfferInput) -> CouponPayload:
        return _coupon(await mutations.claim_offer(info.context, input.offer_id), info.context)

    @strawberry.mutation(extensions=WRITE, description="Exactly once; the discount is stored.")
    async def redeem_coupon(self, info: Info, input: RedeemCouponInput) -> CouponPayload:
        result = await mutations.redeem_coupon(
            info.context, input.code, input.purchase_id, dry_run=input.dry_run
        )
        payload = _coupon(result, info.context)
        payload.dry_run = input.dry_run and result.value is not None
        return payload

    @strawberry.mutation(extensions=WRITE)
    async def void_coupon(self, info: Info, input: VoidCouponInput) -> CouponPayload:
        return _coupon(await mutations.void_coupon(info.context, input.coupon_id), info.context)
