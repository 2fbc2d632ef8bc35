"""The daily spend of a chunk's members (services/loyalty/purchase_batch.py): read once, added to
in memory row by row (tier rules read it, as `spend_summary` does), written with one upsert,
and the customers' stats recomputed from it as `analytics.touch` does."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from models import CustomerStats, DailySpend, rows
from services.analytics.lifecycle import stage
from services.common import sql
from services.loyalty.batch_members import Chunk
from services.loyalty.memberships import SpendSummary

STATS_COLUMNS = (
    "first_day",
    "last_day",
    "frequency",
    "monetary_cents",
    "recency_days",
    "lifecycle_stage",
)
STATS_UPSERT = "ON CONFLICT (customer_id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in STATS_COLUMNS
)
ADD_TO_DAY = (
    "ON CONFLICT (customer_id, day) DO UPDATE SET cents = daily_spend.cents + excluded.cents,"
    " purchases = daily_spend.purchases + excluded.purchases"
)


@dataclass
class Spend:
    """A customer's daily spend (all of it, as `spend_summary` reads it) and the chunk's part."""

    days: dict[int, list[int]] = field(default_factory=dict)  # day -> [month, cents, count]
    added: dict[int, list[int]] = field(default_factory=dict)

    def add(self, day: int, month: int, cents: int) -> None:
        for table in (self.days, self.added):
            row = table.setdefault(day, [month, 0, 0])
            row[1] += cents
            row[2] += 1

    def summary(self) -> SpendSummary:
        by_month: dict[int, int] = defaultdict(int)
        for month, cents, _ in self.days.values():
            by_month[month] += cents
        by_day = {day: row[1] for day, row in self.days.items()}
        return SpendSummary(sum(by_day.values()), by_day, dict(by_month))


async def load(brand_id: int, customer_ids: list[int]) -> dict[int, Spend]:
    """The members' daily spend as stored."""
    found: dict[int, Spend] = defaultdict(Spend)
    if not customer_ids:
        return found
    condition, listed = rows.one_of("customer_id", customer_ids, 1, sql.is_postgres())
    spent = await sql.fetch(  # by the (customer_id, day) index alone: see batch_members.lock
        f"SELECT brand_id, customer_id, day, month, cents, purchases FROM daily_spend"
        f" WHERE {condition}",
        listed,
    )
    for row in spent:
        if row["brand_id"] != brand_id:
            continue
        found[int(row["customer_id"])].days[int(row["day"])] = [
            int(row["month"]),
            int(row["cents"]),
            int(row["purchases"]),
        ]
    return found


async def write(brand_id: int, spend: dict[int, Spend]) -> None:
    """Add the chunk's spend to each member's days: one upsert."""
    days = [
        {
            "brand_id": brand_id,
            "customer_id": customer_id,
            "day": day,
            "month": month,
            "cents": cents,
            "purchases": count,
        }
        for customer_id, s in spend.items()
        for day, (month, cents, count) in s.added.items()
    ]
    await rows.insert_many(DailySpend, days, ADD_TO_DAY)


async def write_stats(
    chunk: Chunk, today: int, spend: dict[int, Spend], touched: Sequence[int]
) -> None:
    """What `analytics.touch` computes for each customer with a purchase in the chunk (the
    `touched`), upserted."""
    stats = []
    for customer_id in dict.fromkeys(touched):
        by_day = spend[customer_id].days
        days = [day for day, (_, _, count) in by_day.items() if count > 0]
        first, last = (min(days), max(days)) if days else (None, None)
        stats.append(
            {
                "brand_id": chunk.brand.id,
                "customer_id": customer_id,
                "first_day": first,
                "last_day": last,
                "frequency": sum(r[2] for r in by_day.values()),
                "monetary_cents": sum(r[1] for r in by_day.values()),
                "recency_days": today - last if last is not None else None,
                "lifecycle_stage": stage(chunk.settings, today, first, last),
                "score": None,
                "value_tier": None,
            }
        )
    await rows.insert_many(CustomerStats, stats, STATS_UPSERT)
