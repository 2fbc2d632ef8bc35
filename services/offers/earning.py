"""Double-points offers in earning: automatic multiplier offers and multiplier coupons.

Called by services/loyalty/purchases.py under the customer's lock while a purchase is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from events.outbox import emit
from models import Purchase, Tier
from models.offers import Coupon, Offer
from services.common.actor import Actor
from services.loyalty.config import utcnow

KIND = "POINTS_MULTIPLIER"


@dataclass(frozen=True)
class Bonus:
    multiplier: Decimal
    coupon: Coupon | None = None
    offer: Offer | None = None  # the automatic multiplier offer that applied, if one did


@dataclass(frozen=True)
class Sale:
    amount: Decimal
    store_id: str | None
    channel: str | None
    when: datetime


def _applies(offer: Offer, tier: Tier | None, sale: Sale) -> bool:
    return (
        offer.active
        and (offer.starts_at is None or offer.starts_at <= sale.when)
        and (offer.ends_at is None or sale.when < offer.ends_at)
        and (not offer.tiers or (tier is not None and tier.name in offer.tiers))
        and (not offer.stores or sale.store_id in offer.stores)
        and (not offer.channels or sale.channel in offer.channels)
        and (offer.min_purchase is None or sale.amount >= offer.min_purchase)
    )


async def bonus(brand_id: int, customer_id: int, tier: Tier | None, sale: Sale) -> Bonus:
    """The best automatic multiplier times the best usable multiplier coupon (locked)."""
    offers = {o.id: o for o in await Offer.filter(brand_id=brand_id, kind=KIND, active=True)}
    if not offers:
        return Bonus(Decimal(1))
    auto = [o for o in offers.values() if o.automatic and _applies(o, tier, sale)]
    best_offer = max(auto, key=lambda o: (o.multiplier or 1, -o.id), default=None)
    result = Decimal(best_offer.multiplier or 1) if best_offer is not None else Decimal(1)
    held = await Coupon.filter(
        brand_id=brand_id, customer_id=customer_id, status="ISSUED", offer_id__in=list(offers)
    )
    usable = [
        c
        for c in held
        if (c.expires_at is None or c.expires_at > utcnow())
        and _applies(offers[c.offer_id], tier, sale)
    ]
    if not usable:
        return Bonus(result, None, best_offer)
    best = max(usable, key=lambda c: (offers[c.offer_id].multiplier or 1, -c.id))
    locked = await Coupon.select_for_update().get(id=best.id)
    if locked.status != "ISSUED":  # redeemed or voided meanwhile
        return Bonus(result, None, best_offer)
    return Bonus(result * (offers[locked.offer_id].multiplier or 1), locked, best_offer)


async def consume(actor: Actor, found: Bonus, purchase: Purchase) -> None:
    """Mark the multiplier coupon used by this purchase (in the purchase's transaction)."""
    coupon = found.coupon
    if coupon is None:
        return
    coupon.status = "REDEEMED"
    coupon.redeemed_at = purchase.created_at
    coupon.purchase_id = purchase.id
    coupon.discount = Decimal(0)
    await coupon.save(update_fields=["status", "redeemed_at", "purchase_id", "discount"])
    await emit(
        actor,
        "coupon.redeemed",
        customer_id=coupon.customer_id,
        subject=("Coupon", coupon.id),
        payload={"offerId": coupon.offer_id, "purchaseId": purchase.id, "discount": "0"},
    )
