"""Customers with known traits, written straight through the ORM, for the segment tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from models import Brand, Customer, CustomerStats, CustomerTag, Membership, Purchase
from services.loyalty import config as loyalty_config

NOW = datetime.now(UTC)


async def person(
    brand: Brand,
    name: str,
    *,
    tier: str | None = None,
    enrolled_days_ago: int = 400,
    stage: str | None = None,
    value_tier: str | None = None,
    tags: tuple[str, ...] = (),
    purchases: tuple[tuple[int, str], ...] = (),
    refunded: tuple[int, ...] = (),
    **profile: Any,
) -> Customer:
    """A customer; `purchases` are (days ago, amount); `refunded` indexes fully refunded ones."""
    customer = await Customer.create(brand_id=brand.id, name=name, **profile)
    if tier is not None:
        tiers = {t.name: t for t in await loyalty_config.ladder(brand.id)}
        membership = await Membership.create(
            brand_id=brand.id,
            customer_id=customer.id,
            member_number=f"M{customer.id:08d}",
            tier_id=tiers[tier].id,
            tier_since=NOW,
        )
        membership.enrolled_at = NOW - timedelta(days=enrolled_days_ago)
        await membership.save(update_fields=["enrolled_at"])
    if stage is not None or value_tier is not None:
        await CustomerStats.create(
            brand_id=brand.id,
            customer_id=customer.id,
            lifecycle_stage=stage or "ACTIVE",
            value_tier=value_tier,
        )
    for tag in tags:
        await CustomerTag.create(brand_id=brand.id, customer_id=customer.id, tag=tag)
    for i, (days_ago, amount) in enumerate(purchases):
        await Purchase.create(
            brand_id=brand.id,
            customer_id=customer.id,
            amount=Decimal(amount),
            refunded_amount=Decimal(amount) if i in refunded else Decimal(0),
            occurred_at=NOW - timedelta(days=days_ago, hours=1),
        )
    return customer


def born(years_ago: int, days_more: int = 10) -> date:
    today = NOW.date()
    return today.replace(year=today.year - years_ago, day=1) - timedelta(days=days_more)
