"""Loyalty in a data export (membership and tier history, purchases with items, the points
ledger, lifecycle) and an erasure (amounts kept for accounting, free text and the member
number anonymised)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

from models import (
    Customer,
    CustomerStats,
    Membership,
    PointsTransaction,
    Purchase,
    PurchaseItem,
    Tier,
    TierChange,
)
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, one, paged, section


@section("membership", single=True, description="Member number, tier, balances, tier history.")
async def _membership(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    m = await Membership.get_or_none(brand_id=brand_id, customer_id=customer_id)
    row = None
    if m is not None:
        tier = await Tier.get_or_none(id=m.tier_id) if m.tier_id else None
        history = await TierChange.filter(membership_id=m.id).order_by("created_at", "id")
        row = {
            "memberNumber": m.member_number,
            "tier": tier.name if tier else None,
            "tierSince": iso(m.tier_since),
            "status": m.status,
            "enrolledAt": iso(m.enrolled_at),
            "points": {
                "available": m.available,
                "pending": m.pending,
                "lifetimeEarned": m.lifetime_earned,
                "redeemed": m.redeemed,
                "expired": m.expired,
            },
            "tierHistory": [
                {
                    "from": h.from_tier,
                    "to": h.to_tier,
                    "reason": h.reason,
                    "at": iso(h.created_at),
                }
                for h in history
            ],
        }
    async for page in one(row):
        yield page


@section("purchases", description="Purchases with their items and refunds.")
async def _purchases(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[Purchase]) -> list[dict[str, Any]]:
        items: dict[int, list[dict[str, Any]]] = defaultdict(list)
        found = await PurchaseItem.filter(purchase_id__in=[p.id for p in rows]).order_by("id")
        for i in found:
            items[i.purchase_id].append(
                {
                    "sku": i.sku,
                    "name": i.name,
                    "category": i.category,
                    "quantity": i.quantity,
                    "unitPrice": str(i.unit_price),
                }
            )
        return [
            {
                "id": p.id,
                "amount": str(p.amount),
                "refundedAmount": str(p.refunded_amount),
                "pointsEarned": p.points_earned,
                "pointsReversed": p.points_reversed,
                "storeId": p.store_id,
                "channel": p.channel,
                "externalId": p.external_id,
                "occurredAt": iso(p.occurred_at),
                "items": items[p.id],
            }
            for p in rows
        ]

    async for page in paged(Purchase.filter(brand_id=brand_id, customer_id=customer_id), convert):
        yield page


@section("pointsLedger", description="Every points transaction, oldest first.")
async def _ledger(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[PointsTransaction]) -> list[dict[str, Any]]:
        return [
            {
                "id": t.id,
                "kind": t.kind,
                "amount": t.amount,
                "balanceAfter": t.balance_after,
                "reason": t.reason,
                "source": t.source,
                "purchaseId": t.purchase_id,
                "expiresAt": iso(t.expires_at),
                "createdAt": iso(t.created_at),
            }
            for t in rows
        ]

    query = PointsTransaction.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@section("lifecycle", single=True, description="RFM figures, lifecycle stage and value tier.")
async def _lifecycle(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    s = await CustomerStats.get_or_none(brand_id=brand_id, customer_id=customer_id)
    row = None
    if s is not None:
        row = {
            "stage": s.lifecycle_stage,
            "valueTier": s.value_tier,
            "frequency": s.frequency,
            "monetaryCents": s.monetary_cents,
            "recencyDays": s.recency_days,
            "score": s.score,
        }
    async for page in one(row):
        yield page


@erasure_hook("loyalty")
async def _erase(actor: Actor, customer: Customer) -> None:
    """Purchases, items, the ledger's amounts and the balances stay (accounting); the ledger's
    free-text reasons and the tier history's reasons are cleared, the member number replaced."""
    await PointsTransaction.filter(brand_id=customer.brand_id, customer_id=customer.id).update(
        reason=""
    )
    membership = await Membership.get_or_none(brand_id=customer.brand_id, customer_id=customer.id)
    if membership is not None:
        membership.member_number = f"ERASED-{membership.id}"
        await membership.save(update_fields=["member_number"])
        await TierChange.filter(membership_id=membership.id).update(reason="")
