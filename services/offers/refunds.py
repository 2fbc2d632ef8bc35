"""A refunded purchase gives back the coupons redeemed on it (the brand's rule, docs/offers.md).

Each such coupon goes back to ISSUED if it is still valid (to EXPIRED otherwise), and the offer
gets back what the redemption charged to its budget. An ISSUED coupon is in the customer's
hands again, so it keeps its unit of stock; an expired one returns its unit (`issued_count`
goes down): it was never enjoyed. The brand's `couponRefundRule` says when: FULL (the purchase
is refunded in whole: the default), ANY (the first refund, even a partial one) or NEVER.
"""

from __future__ import annotations

from decimal import Decimal

from events.outbox import emit
from models import Purchase
from models.offers import Coupon, Offer
from services.common.actor import Actor
from services.loyalty.config import utcnow


async def redeemed_offer_ids(purchase: Purchase) -> list[int]:
    """Read before the refund's transaction: the offers to lock first (claims lock an offer
    before the customer, so the refund takes them in the same order)."""
    ids = await Coupon.filter(
        brand_id=purchase.brand_id, purchase_id=purchase.id, status="REDEEMED"
    ).values_list("offer_id", flat=True)
    return sorted({int(str(i)) for i in ids})


async def lock_offers(brand_id: int, offer_ids: list[int]) -> None:
    for offer_id in offer_ids:
        await Offer.select_for_update().filter(brand_id=brand_id, id=offer_id).first()


def applies(rule: str, fully_refunded: bool) -> bool:
    return rule == "ANY" or (rule == "FULL" and fully_refunded)


def _budget_charge(offer: Offer, coupon: Coupon) -> Decimal:
    """What the redemption charged: the discount, or a gift's value (nothing comes off)."""
    if offer.kind == "GIFT":
        return offer.item_value or Decimal(0)
    return coupon.discount or Decimal(0)


async def restore_coupons(actor: Actor, purchase: Purchase, locked_offers: list[int]) -> list[int]:
    """Inside the refund's transaction, offers already locked: the restored coupons' ids."""
    coupons = await Coupon.select_for_update().filter(
        brand_id=purchase.brand_id,
        purchase_id=purchase.id,
        status="REDEEMED",
        offer_id__in=locked_offers,
    )
    now = utcnow()
    restored = []
    for coupon in sorted(coupons, key=lambda c: c.id):
        offer = await Offer.get(id=coupon.offer_id)
        valid = coupon.expires_at is None or coupon.expires_at > now
        offer.spent = max(offer.spent - _budget_charge(offer, coupon), Decimal(0))
        if not valid:
            offer.issued_count = max(offer.issued_count - 1, 0)
        await offer.save(update_fields=["spent", "issued_count", "updated_at"])
        coupon.status = "ISSUED" if valid else "EXPIRED"
        coupon.redeemed_at, coupon.purchase_id, coupon.discount = None, None, None
        await coupon.save(update_fields=["status", "redeemed_at", "purchase_id", "discount"])
        await emit(
            actor,
            "coupon.restored",
            customer_id=coupon.customer_id,
            subject=("Coupon", coupon.id),
            payload={"offerId": offer.id, "purchaseId": purchase.id, "status": coupon.status},
        )
        restored.append(coupon.id)
    return restored
