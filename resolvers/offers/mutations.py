from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from services.common.dry_run import dry_run as common_dry_run
from services.offers import claims as offer_claims
from services.offers import coupons, offers, reads
from services.offers import issuance as offer_issuance

if TYPE_CHECKING:
    from models.offers import Coupon, Offer


def _decode_refs(values: dict[str, Any]) -> dict[str, Any]:
    if values.get("segment_id") is not None:
        values["segment_id"] = decode_or_error(values["segment_id"], "Segment", "segmentId")
    return values


async def create_offer(context: Context, values: dict[str, Any]) -> MutationResult[Offer]:
    async def operation() -> Offer:
        return await offers.create_offer(context.actor, _decode_refs(values))

    return await run(operation())


async def update_offer(
    context: Context, offer_id: str, changes: dict[str, Any]
) -> MutationResult[Offer]:
    async def operation() -> Offer:
        pk = decode_or_error(offer_id, "Offer", "id")
        return await offers.update_offer(context.actor, pk, _decode_refs(changes))

    return await run(operation())


async def issue_offer(
    context: Context,
    offer_id: str,
    customer_ids: list[str] | None,
    segment_id: str | None,
    idempotency_key: str,
    *,
    dry_run: bool = False,
) -> MutationResult[tuple[Offer, int]]:
    async def operation() -> tuple[Offer, int]:
        pk = decode_or_error(offer_id, "Offer", "offerId")
        ids = (
            [decode_or_error(c, "Customer", "customerIds") for c in customer_ids]
            if customer_ids is not None
            else None
        )
        segment = decode_or_error(segment_id, "Segment", "segmentId") if segment_id else None

        async def issue() -> int:
            return await offer_issuance.issue(
                context.actor,
                pk,
                customer_ids=ids,
                segment_id=segment,
                idempotency_key=idempotency_key,
            )

        count = await (common_dry_run(issue) if dry_run else issue())
        return await reads.existing_offer(context.require_brand().id, pk), count

    return await run(operation())


async def claim_offer(context: Context, offer_id: str) -> MutationResult[Coupon]:
    async def operation() -> Coupon:
        pk = decode_or_error(offer_id, "Offer", "offerId")
        assert context.principal is not None
        return await offer_claims.claim_offer(
            context.actor, context.require_brand(), context.principal.subject_id, pk
        )

    return await run(operation())


async def redeem_coupon(
    context: Context, code: str, purchase_id: str, *, dry_run: bool = False
) -> MutationResult[Coupon]:
    async def operation() -> Coupon:
        pk = decode_or_error(purchase_id, "Purchase", "purchaseId")

        async def redeem() -> Coupon:
            return await coupons.redeem_coupon(context.actor, code, pk)

        return await (common_dry_run(redeem) if dry_run else redeem())

    return await run(operation())


async def void_coupon(context: Context, coupon_id: str) -> MutationResult[Coupon]:
    async def operation() -> Coupon:
        pk = decode_or_error(coupon_id, "Coupon", "couponId")
        return await offers.void_coupon(context.actor, pk)

    return await run(operation())
