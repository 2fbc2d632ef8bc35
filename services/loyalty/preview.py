"""What a purchase or an award would do, answered by doing it in a dry run
(services/common/dry_run.py): the real recording, read back, then rolled back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from models import Brand, Membership, PointsTransaction, Tier
from models.events import OutboxEvent
from models.offers import Coupon, Offer
from models.stores import Store
from services.common.actor import Actor
from services.common.dry_run import dry_run
from services.common.errors import DomainError
from services.loyalty import points, purchases
from services.loyalty.purchases import Earning, ItemSpec
from services.offers import coupons as offer_coupons
from services.stores.refs import StoreRef


@dataclass(frozen=True)
class CouponQuote:
    code: str
    offer_name: str
    discount: Decimal


@dataclass(frozen=True)
class PurchasePreview:
    points_earned: int
    earning: Earning | None
    capped: bool  # the daily cap took some of the points
    balance_before: int
    balance_after: int
    pending_after: int
    tier_before: str | None
    tier_after: str | None
    multiplier_offer: str | None  # the automatic double-points offer that applied
    multiplier_coupon: str | None  # the multiplier coupon the purchase would use up
    coupons: list[CouponQuote]  # the customer's coupons that would apply to this cart
    events: list[str]  # what would be announced (outbox event types, in order)
    replayed: bool  # the externalId is recorded already: nothing would change


async def _tier_name(tier_id: int | None) -> str | None:
    if tier_id is None:
        return None
    tier = await Tier.get_or_none(id=tier_id)
    return tier.name if tier else None


async def _last_event(brand_id: int) -> int:
    row = await OutboxEvent.filter(brand_id=brand_id).order_by("-seq").first()
    return int(row.seq) if row else 0


async def _events_since(brand_id: int, seq: int) -> list[str]:
    query = OutboxEvent.filter(brand_id=brand_id, seq__gt=seq).order_by("seq")
    return [str(t) for t in await query.values_list("type", flat=True)]


async def _applicable_coupons(
    brand_id: int, customer_id: int, cart: offer_coupons.Cart
) -> list[CouponQuote]:
    found: list[CouponQuote] = []
    held = await Coupon.filter(brand_id=brand_id, customer_id=customer_id, status="ISSUED")
    offers = {
        o.id: o for o in await Offer.filter(brand_id=brand_id, id__in=[c.offer_id for c in held])
    }
    for coupon in sorted(held, key=lambda c: c.id):
        offer = offers[coupon.offer_id]
        try:
            quote = offer_coupons.quote(coupon, offer, cart)
        except DomainError:
            continue  # not for this cart (or a points multiplier, applied in earning)
        found.append(CouponQuote(coupon.code, offer.title, quote.discount))
    return found


async def preview_purchase(
    actor: Actor,
    brand: Brand,
    customer_id: int,
    amount: Any,
    items: list[ItemSpec],
    store_id: StoreRef | None,
    channel: str | None,
    occurred_at: datetime | None,
    external_id: str | None,
) -> PurchasePreview:
    async def attempt() -> PurchasePreview:
        before = await Membership.get_or_none(brand_id=brand.id, customer_id=customer_id)
        seq = await _last_event(brand.id)
        result = await purchases.record_purchase(
            actor,
            brand,
            customer_id,
            amount,
            items,
            store_id,
            channel,
            occurred_at,
            external_id,
        )
        m = await Membership.get(brand_id=brand.id, customer_id=customer_id)
        p = result.purchase
        cart = offer_coupons.Cart(
            p.amount,
            [offer_coupons.CartItem(i.sku, i.category, i.quantity, i.unit_price) for i in items],
            await _store_code(p.store_id),
            p.channel,
            customer_id,
        )
        bonus = result.bonus
        return PurchasePreview(
            points_earned=result.points_earned,
            earning=result.earning,
            capped=result.earning is not None and result.points_earned < result.earning.points,
            balance_before=before.available if before else 0,
            balance_after=m.available,
            pending_after=m.pending,
            tier_before=await _tier_name(before.tier_id if before else None),
            tier_after=await _tier_name(m.tier_id),
            multiplier_offer=bonus.offer.title if bonus and bonus.offer else None,
            multiplier_coupon=bonus.coupon.code if bonus and bonus.coupon else None,
            coupons=await _applicable_coupons(brand.id, customer_id, cart),
            events=await _events_since(brand.id, seq),
            replayed=result.replayed,
        )

    return await dry_run(attempt)


@dataclass(frozen=True)
class PointsPreview:
    points: int
    balance_before: int
    balance_after: int
    expires_at: datetime | None
    events: list[str]
    replayed: bool  # the idempotency key was used already: its transaction, nothing new


async def preview_award(
    actor: Actor, customer_id: int, amount: int, reason: str, source: str, key: str | None
) -> PointsPreview:
    async def attempt() -> PointsPreview:
        seq = await _last_event(actor.brand_id)
        known = None
        if key is not None:
            known = await PointsTransaction.get_or_none(
                brand_id=actor.brand_id, idempotency_key=key
            )
        tx = await points.award_points(actor, customer_id, amount, reason, source, key)
        m = await Membership.get(brand_id=actor.brand_id, customer_id=customer_id)
        earned = tx.amount if known is None else 0
        return PointsPreview(
            points=earned,
            balance_before=m.available - earned,
            balance_after=m.available,
            expires_at=tx.expires_at,
            events=await _events_since(actor.brand_id, seq),
            replayed=known is not None,
        )

    return await dry_run(attempt)


async def _store_code(store_id: int | None) -> str | None:
    """Offers name stores by code."""
    store = await Store.get_or_none(id=store_id) if store_id else None
    return store.code if store else None
