"""Merging customers moves their coupons to the surviving customer."""

from __future__ import annotations

from models import Customer
from models.offers import Coupon
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS


async def merge_coupons(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction, both customers locked."""
    kept = {
        (c.offer_id, c.period)
        for c in await Coupon.filter(customer_id=target.id, period__not_isnull=True)
    }
    # One scheduled coupon per (offer, customer, period): a twin keeps a distinct period.
    for coupon in await Coupon.filter(customer_id=source.id, period__not_isnull=True):
        if (coupon.offer_id, coupon.period) in kept:
            coupon.period = f"{coupon.period}:merged-{source.id}"[:64]
            await coupon.save(update_fields=["period"])
    await Coupon.filter(customer_id=source.id).update(customer_id=target.id)


def register() -> None:
    """Idempotent: customers' merge moves coupons once this has run."""
    if merge_coupons not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_coupons)
