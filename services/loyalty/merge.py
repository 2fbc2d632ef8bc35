"""Merging customers: move purchases, the ledger and spend, and combine the memberships."""

from __future__ import annotations

from events.outbox import emit
from models import (
    Brand,
    Customer,
    CustomerStats,
    DailySpend,
    Membership,
    PointsTransaction,
    Purchase,
    Tier,
    TierChange,
)
from services.analytics import lifecycle as analytics
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS

BALANCE_FIELDS = ("available", "pending", "lifetime_earned", "redeemed", "expired")


async def merge_loyalty(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction, both customers locked."""
    await Purchase.filter(customer_id=source.id).update(customer_id=target.id)
    await PointsTransaction.filter(customer_id=source.id).update(customer_id=target.id)
    target_days = {d.day: d for d in await DailySpend.filter(customer_id=target.id)}
    for row in await DailySpend.filter(customer_id=source.id):
        same = target_days.get(row.day)
        if same is None:
            row.customer_id = target.id
            await row.save(update_fields=["customer_id"])
        else:
            same.cents += row.cents
            same.purchases += row.purchases
            await same.save(update_fields=["cents", "purchases"])
            await row.delete()
    await _merge_memberships(actor, source, target)
    await CustomerStats.filter(customer_id=source.id).delete()
    if await DailySpend.exists(customer_id=target.id):
        await analytics.touch(await Brand.get(id=target.brand_id), target.id)


async def _merge_memberships(actor: Actor, source: Customer, target: Customer) -> None:
    ids = sorted([source.id, target.id])
    rows = await Membership.select_for_update().filter(customer_id__in=ids).order_by("id")
    locked = {m.customer_id: m for m in rows}
    src, dst = locked.get(source.id), locked.get(target.id)
    if src is None:
        return
    if dst is None:
        src.customer_id = target.id
        await src.save(update_fields=["customer_id"])
        return
    for key in BALANCE_FIELDS:
        setattr(dst, key, getattr(dst, key) + getattr(src, key))
    src_tier = await Tier.get_or_none(id=src.tier_id) if src.tier_id else None
    dst_tier = await Tier.get_or_none(id=dst.tier_id) if dst.tier_id else None
    if src_tier is not None and (dst_tier is None or src_tier.rank > dst_tier.rank):
        dst.tier_id, dst.tier_since = src_tier.id, src.tier_since
        change = {
            "from": dst_tier.name if dst_tier else None,
            "to": src_tier.name,
            "reason": f"merged member {src.member_number}",
        }
        await TierChange.create(
            brand_id=dst.brand_id,
            membership_id=dst.id,
            from_tier=change["from"],
            to_tier=change["to"],
            reason=change["reason"],
        )
        await emit(
            actor,
            "membership.tier_changed",
            customer_id=dst.customer_id,
            subject=("Membership", dst.id),
            payload=change,
        )
    await dst.save()
    await TierChange.filter(membership_id=src.id).update(membership_id=dst.id)
    await src.delete()


def register() -> None:
    """Idempotent: customers' merge moves loyalty rows once this has run."""
    if merge_loyalty not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_loyalty)
