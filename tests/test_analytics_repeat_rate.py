"""repeatPurchaseRate's cached sums (services/analytics/rollups._repeat_corners) against the
definition, customer by customer, over every range of a few irregular buying histories."""

from __future__ import annotations

import random

from models import Customer, DailySpend
from services.analytics import rollups
from services.analytics.periods import DateRange, day_date
from services.analytics.retention import repeat_purchase_rate
from tests.support import make_brand

FIRST_DAY = 20_000  # 2024-10-04
SPAN = 40


def _expected(history: dict[int, dict[int, int]], a: int, b: int) -> tuple[int, int]:
    """Buyers of [a, b], and those with two purchases or more in it."""
    counts = [sum(n for day, n in days.items() if a <= day <= b) for days in history.values()]
    return sum(1 for n in counts if n > 0), sum(1 for n in counts if n > 1)


async def test_the_cached_sums_match_the_definition_on_every_range() -> None:
    brand = await make_brand("repeat")
    r = random.Random(20)
    history: dict[int, dict[int, int]] = {}
    rows = []
    for k in range(14):
        customer = await Customer.create(brand_id=brand.id, name=f"C{k}")
        days = sorted(r.sample(range(FIRST_DAY, FIRST_DAY + SPAN), r.randrange(0, 9)))
        history[customer.id] = {day: r.choice((1, 1, 1, 2, 3)) for day in days}
        rows += [
            DailySpend(
                brand_id=brand.id,
                customer_id=customer.id,
                day=day,
                month=0,
                cents=100 * n,
                purchases=n,
            )
            for day, n in history[customer.id].items()
        ]
        if days:  # a day whose purchases were all refunded is no buying day
            empty = days[-1] + 1 + r.randrange(3)
            if empty < FIRST_DAY + SPAN:
                rows.append(
                    DailySpend(
                        brand_id=brand.id,
                        customer_id=customer.id,
                        day=empty,
                        month=0,
                        cents=0,
                        purchases=0,
                    )
                )
    await DailySpend.bulk_create(rows)
    await rollups.buying_days(brand.id)
    checked = 0
    for a in range(FIRST_DAY - 2, FIRST_DAY + SPAN + 2, 3):
        for b in range(a, FIRST_DAY + SPAN + 3, 2):
            found = await repeat_purchase_rate(brand.id, DateRange(day_date(a), day_date(b)))
            assert (found.buyers, found.repeat_buyers) == _expected(history, a, b), (a, b)
            checked += 1
    assert checked > 150
