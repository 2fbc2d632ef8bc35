"""Merging customers: the survivor takes over the referrals the source made, its rewards and
invites; it keeps its own code (the source's goes), and the referral that brought it in (the
source's is dropped when the survivor has one: a customer is referred once)."""

from __future__ import annotations

from models import Customer
from models.referrals import Referral, ReferralCode, ReferralInvite, ReferralReward
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS


async def merge_referrals(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction, both customers locked (same brand)."""
    brand_id = target.brand_id
    await ReferralCode.filter(brand_id=brand_id, customer_id=source.id).delete()
    await Referral.filter(brand_id=brand_id, referrer_id=source.id).update(referrer_id=target.id)
    if await Referral.exists(brand_id=brand_id, referee_id=target.id):
        await Referral.filter(brand_id=brand_id, referee_id=source.id).update(referee_id=None)
    else:
        await Referral.filter(brand_id=brand_id, referee_id=source.id).update(referee_id=target.id)
    await ReferralReward.filter(brand_id=brand_id, customer_id=source.id).update(
        customer_id=target.id
    )
    await ReferralInvite.filter(brand_id=brand_id, referrer_id=source.id).update(
        referrer_id=target.id
    )


def register() -> None:
    if merge_referrals not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_referrals)
