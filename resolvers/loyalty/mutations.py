from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from auth.context import Context
from auth.tokens import issue_token
from resolvers.results import MutationResult, decode_or_error, run
from resolvers.stores.refs import store_ref
from services.loyalty import config as loyalty_config
from services.loyalty import memberships, points, preview, purchases
from services.loyalty.preview import PointsPreview, PurchasePreview
from services.loyalty.purchases import ItemSpec, PurchaseResult, RefundResult

if TYPE_CHECKING:
    from models import LoyaltySettings, Membership, PointsTransaction, Tier

CUSTOMER_TOKEN_TTL = 15 * 60


async def record_purchase(
    context: Context,
    customer_id: str,
    amount: Any,
    items: list[ItemSpec],
    store_id: str | None,
    channel: str | None,
    occurred_at: datetime | None,
    external_id: str | None,
) -> MutationResult[PurchaseResult]:
    async def operation() -> PurchaseResult:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await purchases.record_purchase(
            context.actor,
            context.require_brand(),
            pk,
            amount,
            items,
            store_ref(store_id),
            channel,
            occurred_at,
            external_id,
        )

    return await run(operation())


async def preview_purchase(
    context: Context,
    customer_id: str,
    amount: Any,
    items: list[ItemSpec],
    store_id: str | None,
    channel: str | None,
    occurred_at: datetime | None,
    external_id: str | None,
) -> MutationResult[PurchasePreview]:
    async def operation() -> PurchasePreview:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await preview.preview_purchase(
            context.actor,
            context.require_brand(),
            pk,
            amount,
            items,
            store_ref(store_id),
            channel,
            occurred_at,
            external_id,
        )

    return await run(operation())


async def preview_award(
    context: Context, customer_id: str, amount: int, reason: str, source: str, key: str | None
) -> MutationResult[PointsPreview]:
    async def operation() -> PointsPreview:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await preview.preview_award(context.actor, pk, amount, reason, source, key)

    return await run(operation())


async def refund_purchase(
    context: Context, purchase_id: str, amount: Any | None
) -> MutationResult[RefundResult]:
    async def operation() -> RefundResult:
        pk = decode_or_error(purchase_id, "Purchase", "purchaseId")
        return await purchases.refund_purchase(context.actor, context.require_brand(), pk, amount)

    return await run(operation())


async def enroll_member(context: Context, customer_id: str) -> MutationResult[Membership]:
    async def operation() -> Membership:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await memberships.enroll_member(context.actor, pk)

    return await run(operation())


async def set_member_tier(
    context: Context, customer_id: str, tier: str, until: datetime | None, reason: str
) -> MutationResult[Membership]:
    async def operation() -> Membership:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        return await memberships.set_member_tier(context.actor, pk, tier, until, reason)

    return await run(operation())


async def set_tier_ladder(
    context: Context, tiers: list[dict[str, Any]]
) -> MutationResult[list[Tier]]:
    return await run(loyalty_config.set_ladder(context.actor, tiers))


async def set_loyalty_settings(
    context: Context, changes: dict[str, Any]
) -> MutationResult[LoyaltySettings]:
    return await run(loyalty_config.set_settings(context.actor, changes))


async def change_points(
    context: Context,
    operation_name: str,
    customer_id: str,
    amount: int,
    reason: str,
    source: str,
    key: str | None,
) -> MutationResult[PointsTransaction]:
    async def operation() -> PointsTransaction:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        if operation_name == "award":
            return await points.award_points(context.actor, pk, amount, reason, source, key)
        if operation_name == "redeem":
            return await points.redeem_points(context.actor, pk, amount, reason, key)
        return await points.adjust_points(context.actor, pk, amount, reason, key)

    return await run(operation())


async def issue_customer_token(context: Context, customer_id: str) -> MutationResult[str]:
    async def operation() -> str:
        pk = decode_or_error(customer_id, "Customer", "customerId")
        await memberships.authorize_customer_token(context.actor, pk)
        brand = context.require_brand()
        issued = issue_token(
            context.settings, "customer", pk, brand.slug, frozenset(), CUSTOMER_TOKEN_TTL
        )
        return issued.token

    return await run(operation())
