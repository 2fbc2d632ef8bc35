"""A customer claims an offer: eligibility, stock, limit and points cost in one transaction."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, Membership
from models.offers import Coupon
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.loyalty import memberships, points
from services.loyalty.config import utcnow
from services.offers import eligibility as offer_eligibility
from services.offers.issuance import check_open, coupon_expiry
from services.offers.offers import lock_offer
from services.offers.sql import new_code
from services.privacy import consents


async def _pay(actor: Actor, m: Membership, cost: int, offer_id: int) -> None:
    """Debit the points through the ledger under the member's lock (already held)."""
    await points.release_due(actor, m, utcnow())
    tx = await points.debit(actor, m, "REDEEM", cost, "offer", f"offer {offer_id}")
    await emit(
        actor,
        "points.changed",
        customer_id=m.customer_id,
        subject=("PointsTransaction", tx.id),
        payload={"kind": tx.kind, "amount": tx.amount, "balance": m.available},
    )


async def claim_offer(actor: Actor, brand: Brand, customer_id: int, offer_id: int) -> Coupon:
    async with in_transaction():
        # Offer first, then customer and membership: bulk issuance holds the offer while its
        # inserts touch customer rows, so the other order could deadlock with it.
        offer = await lock_offer(brand.id, offer_id)
        m = await memberships.enroll_locked(actor, customer_id) if offer.points_cost else None
        customer = await memberships.lock_customer(brand.id, customer_id, "customerId")
        check_open(offer)
        await offer_eligibility.check_claim(offer, await offer_eligibility.facts(brand, customer))
        if m is not None and offer.points_cost:
            if offer.points_cost > m.available:
                raise DomainError.single(
                    "offerId",
                    ErrorCode.INSUFFICIENT_POINTS,
                    f"{offer.points_cost} points needed, {m.available} available",
                )
            await _pay(actor, m, offer.points_cost, offer.id)
        now = utcnow()
        coupon = await Coupon.create(
            brand_id=brand.id,
            offer_id=offer.id,
            customer_id=customer_id,
            code=new_code(),
            status="ISSUED",
            issued_at=now,
            expires_at=coupon_expiry(offer, now),
            source="CLAIM",
        )
        offer.issued_count += 1
        await offer.save(update_fields=["issued_count", "updated_at"])
        details = {"offer": offer.id, "points": offer.points_cost or 0}
        await audit.record(actor, "claimOffer", "Coupon", coupon.id, details)
        channels = (await consents.allowed_channels(brand.id, [customer_id]))[customer_id]
        await emit(
            actor,
            "coupon.issued",
            customer_id=customer_id,
            subject=("Coupon", coupon.id),
            payload={"offerId": offer.id, "couponId": coupon.id, "channels": sorted(channels)},
        )
    return coupon
