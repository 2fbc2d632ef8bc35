"""`crm points expire`: release due pending lots, expire lots past their date, per member."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from models import PointsTransaction
from services.common import audit
from services.common.actor import Actor
from services.loyalty import memberships
from services.loyalty.config import utcnow
from services.loyalty.points import emit_changed, release_due


async def expire_due(actor: Actor, now: datetime | None = None) -> int:
    """Release what is due, then expire lots past their date: one transaction per member."""
    now = now or utcnow()
    ids = set(
        await PointsTransaction.filter(
            brand_id=actor.brand_id, remaining__gt=0, expires_at__lte=now
        ).values_list("customer_id", flat=True)
    )
    ids |= set(
        await PointsTransaction.filter(brand_id=actor.brand_id, pending_until__lte=now).values_list(
            "customer_id", flat=True
        )
    )
    expired = 0
    for customer_id in sorted(int(i) for i in ids):  # type: ignore[call-overload]
        async with in_transaction():
            m = await memberships.enroll_locked(actor, customer_id)
            released = await release_due(actor, m, now)
            due = await PointsTransaction.filter(
                customer_id=customer_id,
                brand_id=actor.brand_id,
                remaining__gt=0,
                expires_at__lte=now,
                pending_until=None,
            )
            total = sum(lot.remaining for lot in due)
            if total:
                for lot in due:
                    lot.remaining = 0
                    await lot.save(update_fields=["remaining"])
                m.available -= total
                m.expired += total
                await m.save(update_fields=["available", "expired"])
                tx = await PointsTransaction.create(
                    brand_id=actor.brand_id,
                    customer_id=customer_id,
                    kind="EXPIRE",
                    amount=-total,
                    balance_after=m.available,
                    reason="expired",
                    source="staff",
                    actor=actor.label,
                )
                await audit.record(
                    actor, "expirePoints", "Customer", customer_id, {"points": total}
                )
                await emit_changed(actor, m, "EXPIRE", -total, ("PointsTransaction", tx.id))
                expired += total
            elif released:
                await emit_changed(actor, m, "RELEASE", released, ("Customer", customer_id))
    return expired
