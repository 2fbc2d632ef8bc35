"""Customer features for the churn model and the clusters, read in two set-based statements.

Features are taken twice: as of today (to score) and as of a cutoff `horizon` days earlier (to
train): recency, frequency and spend from `daily_spend` (net of refunds, the brand's days),
tenure since the first purchase, tracked events and add-to-carts in the 30 days before. The
label of a customer who had bought by the cutoff is whether they bought nothing after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from services.common import sql

EVENT_WINDOW = timedelta(days=30)
FEATURES = ("recency_days", "frequency", "monetary", "tenure_days", "events_30d", "cart_adds_30d")


@dataclass
class FeatureSet:
    """Rows in customer order; `now` as of today, `then` as of the cutoff (buyers by then)."""

    customer_ids: npt.NDArray[np.int64]
    now: npt.NDArray[np.float64]  # columns: FEATURES
    then: npt.NDArray[np.float64]
    bought_by_cutoff: npt.NDArray[np.bool_]
    churned: npt.NDArray[np.bool_]  # nothing bought after the cutoff (meaningful if bought_by)


def _int(value: object) -> int:
    return int(value) if value is not None else 0  # type: ignore[call-overload]


async def _spend(brand_id: int, today: int, cutoff: int) -> list[dict[str, object]]:
    return await sql.fetch(
        "SELECT customer_id,"
        " MIN(day) AS first_day, MAX(day) AS last_day, SUM(purchases) AS frequency,"
        " SUM(cents) AS cents,"
        " MAX(CASE WHEN day <= ? THEN day END) AS last_day_then,"
        " SUM(CASE WHEN day <= ? THEN purchases ELSE 0 END) AS frequency_then,"
        " SUM(CASE WHEN day <= ? THEN cents ELSE 0 END) AS cents_then"
        " FROM daily_spend WHERE brand_id = ? AND purchases > 0 AND day <= ?"
        " GROUP BY customer_id ORDER BY customer_id",
        [cutoff, cutoff, cutoff, brand_id, today],
    )


async def _events(brand_id: int, now: datetime, cutoff: datetime) -> dict[int, list[int]]:
    """customer -> [events, carts] in the 30 days before now, then before the cutoff."""
    rows = await sql.fetch(
        "SELECT customer_id,"
        " SUM(CASE WHEN occurred_at > ? THEN 1 ELSE 0 END) AS events_now,"
        " SUM(CASE WHEN occurred_at > ? AND name = 'add_to_cart' THEN 1 ELSE 0 END) AS carts_now,"
        " SUM(CASE WHEN occurred_at <= ? THEN 1 ELSE 0 END) AS events_then,"
        " SUM(CASE WHEN occurred_at <= ? AND name = 'add_to_cart' THEN 1 ELSE 0 END)"
        " AS carts_then"
        " FROM tracked_events WHERE brand_id = ? AND customer_id IS NOT NULL"
        " AND occurred_at > ? AND occurred_at <= ? AND (occurred_at > ? OR occurred_at <= ?)"
        " GROUP BY customer_id",
        [
            now - EVENT_WINDOW,
            now - EVENT_WINDOW,
            cutoff,
            cutoff,
            brand_id,
            cutoff - EVENT_WINDOW,
            now,
            now - EVENT_WINDOW,
            cutoff,
        ],
    )
    return {
        int(r["customer_id"]): [  # type: ignore[call-overload]
            _int(r["events_now"]),
            _int(r["carts_now"]),
            _int(r["events_then"]),
            _int(r["carts_then"]),
        ]
        for r in rows
    }


async def load(brand_id: int, today: int, now: datetime, horizon_days: int) -> FeatureSet:
    """Every buyer's features; `today` is the brand's day number of `now`."""
    cutoff_day = today - horizon_days
    spend = await _spend(brand_id, today, cutoff_day)
    events = await _events(brand_id, now, now - timedelta(days=horizon_days))
    n = len(spend)
    ids = np.zeros(n, dtype=np.int64)
    current = np.zeros((n, len(FEATURES)))
    then = np.zeros((n, len(FEATURES)))
    bought_by = np.zeros(n, dtype=bool)
    churned = np.zeros(n, dtype=bool)
    for i, row in enumerate(spend):
        customer = _int(row["customer_id"])
        first, last = _int(row["first_day"]), _int(row["last_day"])
        counts = events.get(customer, [0, 0, 0, 0])
        ids[i] = customer
        current[i] = (
            today - last,
            _int(row["frequency"]),
            _int(row["cents"]) / 100,
            today - first,
            counts[0],
            counts[1],
        )
        if row["last_day_then"] is not None:
            bought_by[i] = True
            churned[i] = last <= cutoff_day
            then[i] = (
                cutoff_day - _int(row["last_day_then"]),
                _int(row["frequency_then"]),
                _int(row["cents_then"]) / 100,
                cutoff_day - first,
                counts[2],
                counts[3],
            )
    return FeatureSet(ids, current, then, bought_by, churned)
