"""Lifecycle stage and RFM value tier: per customer on purchase, set-based for a brand."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from models import Brand, CustomerStats, DailySpend, LoyaltySettings
from services.common import sql
from services.loyalty import config as loyalty_config
from services.loyalty.config import utcnow

STAGES = ("PROSPECT", "NEW", "ACTIVE", "AT_RISK", "CHURNED")
VALUE_TIERS = ("HIGH_VALUE", "POTENTIAL", "ORDINARY", "LOW_VALUE")


def stage(s: LoyaltySettings, today: int, first: int | None, last: int | None) -> str:
    if first is None or last is None:
        return "PROSPECT"
    if today - last > s.churned_days:
        return "CHURNED"
    if today - last > s.at_risk_days:
        return "AT_RISK"
    return "NEW" if today - first <= s.new_days else "ACTIVE"


async def touch(brand: Brand, customer_id: int) -> CustomerStats:
    """Recompute one customer's stats (call under the customer's lock)."""
    settings = await loyalty_config.get_settings(brand.id)
    today = loyalty_config.calendar(brand).day(utcnow())
    rows = await DailySpend.filter(brand_id=brand.id, customer_id=customer_id).values_list(
        "day", "cents", "purchases"
    )
    days = [day for day, _, count in rows if count > 0]
    first, last = (min(days), max(days)) if days else (None, None)
    values = {
        "first_day": first,
        "last_day": last,
        "frequency": sum(r[2] for r in rows),
        "monetary_cents": sum(r[1] for r in rows),
        "recency_days": today - last if last is not None else None,
        "lifecycle_stage": stage(settings, today, first, last),
    }
    row = await CustomerStats.get_or_none(customer_id=customer_id)
    if row is None:
        return await CustomerStats.create(brand_id=brand.id, customer_id=customer_id, **values)
    for key, value in values.items():
        setattr(row, key, value)
    await row.save()
    return row


async def refresh(brand: Brand, now: datetime | None = None) -> int:
    """Rebuild stats, lifecycle and RFM quintiles of every customer of the brand."""
    settings = await loyalty_config.get_settings(brand.id)
    today = loyalty_config.calendar(brand).day(now or utcnow())
    async with in_transaction():  # readers see the old or the new quintiles, never a mix
        return await _rebuild(brand.id, today, settings)


SCORED = "(frequency > 0 AND last_day IS NOT NULL)"


def _quintile(column: str) -> str:
    """The customer's quintile (1-5) by a column among the scored customers (the others
    form the other partition, whose numbers are not used)."""
    return f"NTILE(5) OVER (PARTITION BY {SCORED} ORDER BY {column}, id)"


async def _rebuild(b: int, today: int, settings: LoyaltySettings) -> int:
    """Two statements: the sums from daily spend (a row only written when they changed),
    then everything that follows from them and from today, in one pass over the rows."""
    await sql.execute(
        "INSERT INTO customer_stats (brand_id, customer_id, first_day, last_day, frequency,"
        " monetary_cents, lifecycle_stage)"
        " SELECT brand_id, customer_id, MIN(CASE WHEN purchases > 0 THEN day END),"
        " MAX(CASE WHEN purchases > 0 THEN day END), SUM(purchases), SUM(cents), 'PROSPECT'"
        " FROM daily_spend WHERE brand_id = ? GROUP BY brand_id, customer_id"
        " ON CONFLICT (customer_id) DO UPDATE SET first_day = excluded.first_day,"
        " last_day = excluded.last_day, frequency = excluded.frequency,"
        " monetary_cents = excluded.monetary_cents"
        " WHERE customer_stats.first_day IS DISTINCT FROM excluded.first_day"
        " OR customer_stats.last_day IS DISTINCT FROM excluded.last_day"
        " OR customer_stats.frequency IS DISTINCT FROM excluded.frequency"
        " OR customer_stats.monetary_cents IS DISTINCT FROM excluded.monetary_cents",
        [b],
    )
    score = (
        f"CASE WHEN {SCORED} THEN {_quintile('last_day')} + {_quintile('frequency')}"
        f" + {_quintile('monetary_cents')} END"
    )
    return await sql.execute(
        "UPDATE customer_stats SET"
        " recency_days = CASE WHEN last_day IS NULL THEN NULL ELSE ? - last_day END,"
        " lifecycle_stage = CASE WHEN last_day IS NULL OR frequency <= 0 THEN 'PROSPECT'"
        " WHEN ? - last_day > ? THEN 'CHURNED' WHEN ? - last_day > ? THEN 'AT_RISK'"
        " WHEN ? - first_day <= ? THEN 'NEW' ELSE 'ACTIVE' END,"
        " score = q.score, value_tier = CASE WHEN q.score IS NULL THEN NULL"
        " WHEN q.score >= 13 THEN 'HIGH_VALUE' WHEN q.score >= 10 THEN 'POTENTIAL'"
        " WHEN q.score >= 7 THEN 'ORDINARY' ELSE 'LOW_VALUE' END"
        f" FROM (SELECT id, {score} AS score FROM customer_stats WHERE brand_id = ?) q"
        " WHERE customer_stats.id = q.id",
        [
            today,
            today,
            settings.churned_days,
            today,
            settings.at_risk_days,
            today,
            settings.new_days,
            b,
        ],
    )
