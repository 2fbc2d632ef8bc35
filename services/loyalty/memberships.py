"""Memberships: enrolment, tier qualification, upgrades, manual tiers, progress."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand, Customer, DailySpend, Membership, Tier, TierChange, rows
from services.common import audit, sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.loyalty import config as loyalty_config
from services.loyalty.config import Calendar, to_cents, utcnow

LOCK_CUSTOMER = "SELECT * FROM customers WHERE brand_id = ? AND id = ?"
LOCK_CUSTOMER_ID = "SELECT id FROM customers WHERE brand_id = ? AND id = ?"
LOCK_MEMBERSHIP = "SELECT * FROM memberships WHERE brand_id = ? AND customer_id = ?"
SAVE_BALANCES = (
    "UPDATE memberships SET available = ?, pending = ?, lifetime_earned = ?, redeemed = ?, "
    "expired = ? WHERE id = ?"
)


@dataclass(frozen=True)
class SpendSummary:
    lifetime_cents: int
    by_day: dict[int, int]
    by_month: dict[int, int]

    def window_cents(self, today: int, days: int) -> int:
        return sum(c for d, c in self.by_day.items() if d > today - days)

    def streak(self, min_cents: int, this_month: int) -> int:
        """Consecutive months with at least min_cents, ending this month (or the last one)."""
        month = this_month if self.by_month.get(this_month, 0) >= min_cents else this_month - 1
        count = 0
        while self.by_month.get(month, 0) >= min_cents:
            count += 1
            month -= 1
        return count


async def spend_summary(brand_id: int, customer_id: int) -> SpendSummary:
    rows = await DailySpend.filter(brand_id=brand_id, customer_id=customer_id).values_list(
        "day", "month", "cents"
    )
    by_day: dict[int, int] = defaultdict(int)
    by_month: dict[int, int] = defaultdict(int)
    for day, month, cents in rows:
        by_day[day] += cents
        by_month[month] += cents
    return SpendSummary(sum(by_day.values()), dict(by_day), dict(by_month))


@dataclass(frozen=True)
class Missing:
    spend: Decimal
    months: int
    points: int


def missing_for(
    tier: Tier, spend: SpendSummary, points: int, cal: Calendar, now: datetime
) -> Missing:
    """What is left before the tier's rule holds (zero everywhere: it holds)."""
    missing_cents = 0
    months = 0
    if tier.min_lifetime_spend is not None:
        missing_cents = max(missing_cents, to_cents(tier.min_lifetime_spend) - spend.lifetime_cents)
    if tier.window_days and tier.window_spend is not None:
        have = spend.window_cents(cal.day(now), tier.window_days)
        missing_cents = max(missing_cents, to_cents(tier.window_spend) - have)
    if tier.consecutive_months and tier.monthly_min is not None:
        this_month = cal.month(now)
        streak = spend.streak(to_cents(tier.monthly_min), this_month)
        months = max(0, tier.consecutive_months - streak)
        if months:  # what this month still needs to count towards the streak
            month_gap = to_cents(tier.monthly_min) - spend.by_month.get(this_month, 0)
            missing_cents = max(missing_cents, month_gap)
    missing_points = max(0, (tier.min_lifetime_points or 0) - points)
    return Missing(Decimal(missing_cents) / 100, months, missing_points)


def qualifies(missing: Missing) -> bool:
    return missing.spend <= 0 and missing.months == 0 and missing.points == 0


async def qualifying_tier(
    brand: Brand, membership: Membership, tiers: list[Tier], now: datetime
) -> Tier:
    cal = loyalty_config.calendar(brand)
    spend = await spend_summary(brand.id, membership.customer_id)
    best = tiers[0]
    for tier in tiers:
        if qualifies(missing_for(tier, spend, membership.lifetime_earned, cal, now)):
            best = tier if tier.rank > best.rank else best
    return best


async def change_tier(
    actor: Actor, membership: Membership, old: Tier | None, new: Tier, reason: str
) -> None:
    membership.tier_id = new.id
    membership.tier_since = utcnow()
    await membership.save(update_fields=["tier_id", "tier_since"])
    await TierChange.create(
        brand_id=membership.brand_id,
        membership_id=membership.id,
        from_tier=old.name if old else None,
        to_tier=new.name,
        reason=reason,
    )
    await emit(
        actor,
        "membership.tier_changed",
        customer_id=membership.customer_id,
        subject=("Membership", membership.id),
        payload={"from": old.name if old else None, "to": new.name, "reason": reason},
    )


async def upgrade_if_qualified(
    actor: Actor, brand: Brand, membership: Membership, reason: str
) -> None:
    """Call with the membership locked: raise the tier if the rules now allow a higher one."""
    tiers = await loyalty_config.ladder(brand.id)
    current = next((t for t in tiers if t.id == membership.tier_id), None)
    target = await qualifying_tier(brand, membership, tiers, utcnow())
    if current is None or target.rank > current.rank:
        await change_tier(actor, membership, current, target, reason)


async def lock_customer(brand_id: int, customer_id: int, field: str) -> Customer:
    customer = await rows.fetch_model(
        Customer, LOCK_CUSTOMER, [brand_id, customer_id], for_update=True
    )
    if customer is None:
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "customer not found")
    return customer


async def lock_customer_row(brand_id: int, customer_id: int, field: str) -> None:
    """`lock_customer` for callers that need the lock, not the customer."""
    if not await sql.fetch(LOCK_CUSTOMER_ID, [brand_id, customer_id], for_update=True):
        raise DomainError.single(field, ErrorCode.NOT_FOUND, "customer not found")


async def save_balances(m: Membership) -> None:
    """Write a locked membership's balance columns (the ledger's hot path: one plain UPDATE)."""
    await sql.execute(
        SAVE_BALANCES, [m.available, m.pending, m.lifetime_earned, m.redeemed, m.expired, m.id]
    )


async def enroll_locked(actor: Actor, customer_id: int, field: str = "customerId") -> Membership:
    """Inside a transaction: lock the customer, then their membership (created if missing)."""
    await lock_customer_row(actor.brand_id, customer_id, field)
    membership = await rows.fetch_model(
        Membership, LOCK_MEMBERSHIP, [actor.brand_id, customer_id], for_update=True
    )
    if membership is not None:
        return membership
    settings = await loyalty_config.get_settings(actor.brand_id)
    tiers = await loyalty_config.ladder(actor.brand_id)
    now = utcnow()
    days = 365 if settings.downgrade_policy == "ANNIVERSARY" else settings.review_days
    membership = await Membership.create(
        brand_id=actor.brand_id,
        customer_id=customer_id,
        member_number=uuid.uuid4().hex[:32],
        tier_id=tiers[0].id,
        tier_since=now,
        next_review_at=now + timedelta(days=days),
    )
    membership.member_number = f"M{membership.id:08d}"
    await membership.save(update_fields=["member_number"])
    await TierChange.create(
        brand_id=actor.brand_id,
        membership_id=membership.id,
        from_tier=None,
        to_tier=tiers[0].name,
        reason="enrolled",
    )
    await emit(
        actor,
        "membership.tier_changed",
        customer_id=customer_id,
        subject=("Membership", membership.id),
        payload={"from": None, "to": tiers[0].name, "reason": "enrolled"},
    )
    await audit.record(
        actor, "enrollMember", "Customer", customer_id, {"membership": membership.id}
    )
    return membership


async def enroll_member(actor: Actor, customer_id: int) -> Membership:
    async with in_transaction():
        return await enroll_locked(actor, customer_id)


async def set_member_tier(
    actor: Actor, customer_id: int, tier_name: str, until: datetime | None, reason: str
) -> Membership:
    if until is not None and until <= utcnow():
        raise DomainError.single("until", ErrorCode.INVALID, "the expiry must be in the future")
    async with in_transaction():
        tier = await loyalty_config.tier_by_name(actor.brand_id, tier_name, "tier")
        membership = await enroll_locked(actor, customer_id)
        old = await Tier.get_or_none(id=membership.tier_id) if membership.tier_id else None
        membership.manual_tier_id = tier.id
        membership.manual_tier_until = until
        await membership.save(update_fields=["manual_tier_id", "manual_tier_until"])
        if old is None or old.id != tier.id:
            await change_tier(actor, membership, old, tier, f"manual: {reason}".strip()[:200])
        await audit.record(
            actor,
            "setMemberTier",
            "Customer",
            customer_id,
            {"tier": tier.name, "until": until.isoformat() if until else None},
        )
    return membership


@dataclass(frozen=True)
class TierProgress:
    next_tier: Tier | None
    missing_spend: Decimal
    missing_months: int


async def tier_progress(brand: Brand, membership: Membership) -> TierProgress:
    tiers = await loyalty_config.ladder(brand.id)
    current = next((t for t in tiers if t.id == membership.tier_id), tiers[0])
    higher = [t for t in tiers if t.rank > current.rank]
    if not higher:
        return TierProgress(None, Decimal(0), 0)
    nxt = higher[0]
    spend = await spend_summary(brand.id, membership.customer_id)
    cal = loyalty_config.calendar(brand)
    missing = missing_for(nxt, spend, membership.lifetime_earned, cal, utcnow())
    return TierProgress(nxt, max(missing.spend, Decimal(0)), max(missing.months, 0))


async def authorize_customer_token(actor: Actor, customer_id: int) -> None:
    """A trusted frontend asks for a customer token: the customer must exist (audited)."""
    async with in_transaction():
        await lock_customer_row(actor.brand_id, customer_id, "customerId")
        await audit.record(actor, "issueCustomerToken", "Customer", customer_id)
