"""`crm tiers review`: re-qualify every member of a brand with a few set-based statements."""

from __future__ import annotations

from datetime import datetime, timedelta

from models import Brand, Membership, Tier
from services import loyalty_config, sql
from services.loyalty_config import to_cents, utcnow


def _conditions(tier: Tier, brand_id: int, today: int, month: int) -> tuple[str, list[object]]:
    parts: list[str] = []
    params: list[object] = []
    if tier.min_lifetime_spend is not None:
        parts.append(
            "customer_id IN (SELECT customer_id FROM daily_spend WHERE brand_id = ?"
            " GROUP BY customer_id HAVING SUM(cents) >= ?)"
        )
        params += [brand_id, to_cents(tier.min_lifetime_spend)]
    if tier.window_days and tier.window_spend is not None:
        parts.append(
            "customer_id IN (SELECT customer_id FROM daily_spend WHERE brand_id = ?"
            " AND day > ? GROUP BY customer_id HAVING SUM(cents) >= ?)"
        )
        params += [brand_id, today - tier.window_days, to_cents(tier.window_spend)]
    if tier.consecutive_months and tier.monthly_min is not None:
        parts.append(
            "customer_id IN (SELECT customer_id FROM (SELECT customer_id, month,"
            " month - ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY month) AS grp"
            " FROM (SELECT customer_id, month FROM daily_spend WHERE brand_id = ? AND month <= ?"
            " GROUP BY customer_id, month HAVING SUM(cents) >= ?) mm) s"
            " GROUP BY customer_id, grp HAVING COUNT(*) >= ? AND MAX(month) >= ?)"
        )
        params += [brand_id, month, to_cents(tier.monthly_min), tier.consecutive_months, month - 1]
    if tier.min_lifetime_points is not None:
        parts.append("lifetime_earned >= ?")
        params.append(tier.min_lifetime_points)
    return (" AND ".join(parts) or "1 = 1"), params


async def review(brand: Brand, now: datetime | None = None) -> int:
    """Upgrades for everyone who qualifies, downgrades for members due for review."""
    now = now or utcnow()
    settings = await loyalty_config.get_settings(brand.id)
    tiers = await loyalty_config.ladder(brand.id)
    cal = loyalty_config.calendar(brand)
    today, month, b = cal.day(now), cal.month(now), brand.id
    await sql.execute(
        "UPDATE memberships SET review_rank = ? WHERE brand_id = ?", [tiers[0].rank, b]
    )
    for tier in tiers[1:]:
        where, params = _conditions(tier, b, today, month)
        await sql.execute(
            f"UPDATE memberships SET review_rank = ? WHERE brand_id = ? AND ({where})",
            [tier.rank, b, *params],
        )
    await Membership.filter(brand_id=b, manual_tier_until__lte=now).update(
        manual_tier_id=None, manual_tier_until=None
    )
    rank_of = '(SELECT t."rank" FROM tiers t WHERE t.id = {col})'
    # the manual tier is a floor
    await sql.execute(
        f"UPDATE memberships SET review_rank = {rank_of.format(col='memberships.manual_tier_id')}"
        f" WHERE brand_id = ? AND manual_tier_id IS NOT NULL"
        f" AND review_rank < {rank_of.format(col='memberships.manual_tier_id')}",
        [b],
    )
    current = rank_of.format(col="memberships.tier_id")
    # not due (or never downgraded): keep the current tier unless the new one is higher
    keep = "next_review_at IS NULL OR next_review_at > ? OR tier_since > ?"
    keep_params: list[object] = [now, now - timedelta(days=settings.grace_days)]
    if settings.downgrade_policy == "NEVER":
        keep, keep_params = "1 = 1", []
    await sql.execute(
        f"UPDATE memberships SET review_rank = {current} WHERE brand_id = ?"
        f" AND tier_id IS NOT NULL AND review_rank < {current} AND ({keep})",
        [b, *keep_params],
    )
    changed_filter = f"brand_id = ? AND (tier_id IS NULL OR review_rank <> {current})"
    reason = f"review {now.date().isoformat()}"
    await sql.execute(
        "INSERT INTO tier_changes (brand_id, membership_id, from_tier, to_tier, reason, created_at)"
        " SELECT memberships.brand_id, memberships.id,"
        " (SELECT name FROM tiers t WHERE t.id = memberships.tier_id),"
        " (SELECT name FROM tiers t WHERE t.brand_id = memberships.brand_id"
        ' AND t."rank" = memberships.review_rank), ?, ?'
        f" FROM memberships WHERE {changed_filter}",
        [reason, now, b],
    )
    changed = await sql.execute(
        "UPDATE memberships SET tier_id = (SELECT id FROM tiers t WHERE t.brand_id ="
        ' memberships.brand_id AND t."rank" = memberships.review_rank), tier_since = ?'
        f" WHERE {changed_filter}",
        [now, b],
    )
    if settings.downgrade_policy == "ROLLING":
        next_review = now + timedelta(days=settings.review_days)
        await Membership.filter(brand_id=b, next_review_at__lte=now).update(
            next_review_at=next_review
        )
    elif settings.downgrade_policy == "ANNIVERSARY":
        await sql.execute(
            "UPDATE memberships SET next_review_at = ? WHERE brand_id = ? AND next_review_at <= ?",
            [now + timedelta(days=365), b, now],
        )
    return changed
