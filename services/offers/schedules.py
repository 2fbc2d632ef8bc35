"""`crm offers run-schedules`: birthday, welcome and tier-upgrade coupons, and expiry.

Each trigger selects (customer, period) pairs in SQL; a coupon per (offer, customer, period)
is unique, so running twice issues nothing new.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from models import Brand
from models.offers import Offer
from services.common import audit
from services.common.actor import Actor
from services.loyalty.config import utcnow
from services.offers import sql as offer_sql
from services.offers.issuance import coupon_expiry, remaining_stock
from services.offers.offers import lock_offer, offer_open


def _trigger_sql(offer: Offer, brand: Brand, now: datetime) -> tuple[str, list[Any]]:
    """(customer_id, period) pairs the offer's trigger selects."""
    since = offer.starts_at or offer.created_at
    if offer.trigger == "BIRTHDAY":
        local = now.astimezone(ZoneInfo(brand.timezone))
        month = offer_sql.birth_month_sql()
        return (
            "SELECT c.id AS customer_id, CAST(? AS VARCHAR(64)) AS period FROM customers c"
            f" WHERE c.brand_id = ? AND c.birthday IS NOT NULL AND {month} = ?",
            [str(local.year), brand.id, local.month],
        )
    if offer.trigger == "ENROLMENT":
        return (
            "SELECT m.customer_id AS customer_id, CAST(? AS VARCHAR(64)) AS period"
            " FROM memberships m WHERE m.brand_id = ? AND m.enrolled_at >= ?",
            ["welcome", brand.id, since],
        )
    return (
        "SELECT m.customer_id AS customer_id, 'tier:' || CAST(tc.id AS VARCHAR(32)) AS period"
        " FROM tier_changes tc JOIN memberships m ON m.id = tc.membership_id"
        " JOIN tiers hi ON hi.brand_id = tc.brand_id AND hi.name = tc.to_tier"
        " JOIN tiers lo ON lo.brand_id = tc.brand_id AND lo.name = tc.from_tier"
        " WHERE tc.brand_id = ? AND tc.to_tier = ? AND hi.rank > lo.rank AND tc.created_at >= ?",
        [brand.id, offer.trigger_tier, since],
    )


async def _audience(offer: Offer) -> tuple[str, list[Any]]:
    """Extra filters the offer's targeting adds (tiers, segment) on `x.customer_id`."""
    parts: list[str] = []
    params: list[Any] = []
    if offer.tiers:
        marks = ", ".join("?" for _ in offer.tiers)
        parts.append(
            "x.customer_id IN (SELECT m.customer_id FROM memberships m JOIN tiers t"
            f" ON t.id = m.tier_id WHERE m.brand_id = ? AND t.name IN ({marks}))"
        )
        params += [offer.brand_id, *offer.tiers]
    if offer.segment_id is not None:
        from services.segments import segments

        rule = await segments.segment_rule(offer.brand_id, offer.segment_id)
        sql, more = await segments.member_query(offer.brand_id, rule)
        parts.append(f"x.customer_id IN ({sql})")
        params += more
    return "".join(f" AND {p}" for p in parts), params


async def run_offer(actor: Actor, brand: Brand, offer_id: int, now: datetime) -> int:
    async with in_transaction():
        offer = await lock_offer(brand.id, offer_id)
        left = remaining_stock(offer)
        if not offer_open(offer) or left == 0:
            return 0
        trigger, params = _trigger_sql(offer, brand, now)
        extra, extra_params = await _audience(offer)
        rows = await offer_sql.fetch(
            f"SELECT x.customer_id, x.period FROM ({trigger}) x WHERE NOT EXISTS"
            " (SELECT 1 FROM coupons k WHERE k.offer_id = ? AND k.customer_id = x.customer_id"
            f" AND k.period = x.period){extra} ORDER BY x.customer_id, x.period"
            + (" LIMIT ?" if left is not None else ""),
            [*params, offer.id, *extra_params, *([left] if left is not None else [])],
        )
        count = await offer_sql.insert_coupons(
            actor,
            offer.id,
            [(int(r[0]), str(r[1])) for r in rows],
            issued_at=now,
            expires_at=coupon_expiry(offer, now),
            issue_id=None,
            source="SCHEDULE",
        )
        if count:
            offer.issued_count += count
            await offer.save(update_fields=["issued_count", "updated_at"])
            await audit.record(actor, "runOfferSchedule", "Offer", offer.id, {"issued": count})
        return count


async def expire_coupons(brand: Brand, now: datetime) -> int:
    return await offer_sql.execute(
        "UPDATE coupons SET status = 'EXPIRED' WHERE brand_id = ? AND status = 'ISSUED'"
        " AND expires_at IS NOT NULL AND expires_at <= ?",
        [brand.id, now],
    )


async def run_schedules(brand: Brand, now: datetime | None = None) -> dict[str, int]:
    """One transaction per offer; returns coupons issued per trigger and coupons expired."""
    now = now or utcnow()
    actor = Actor.system(brand.id, "offers-schedule")
    result = {"BIRTHDAY": 0, "ENROLMENT": 0, "TIER_UPGRADE": 0}
    offers = await Offer.filter(brand_id=brand.id, active=True, trigger__not_isnull=True)
    for offer in sorted(offers, key=lambda o: o.id):
        result[str(offer.trigger)] += await run_offer(actor, brand, offer.id, now)
    return {**result, "expired": await expire_coupons(brand, now)}
