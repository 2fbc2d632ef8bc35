"""`crm analytics refresh`: every cached analytic of a brand, rebuilt in set-based steps.

1. lifecycle stages and RFM value tiers (services/analytics/lifecycle.py);
2. products and basket counts, and category sales per day (baskets.py);
3. the reports' caches: buying days, sales per day, registrations and points (rollups.py);
   on PostgreSQL 1 to 3 run at once, each on its own connection (their `timings` overlap,
   `caches` is the time they took together);
4. features (features.py), the churn model (churn.py) and clusters (clusters.py), written
   to `analytics_customer_scores` and `analytics_clusters` in one transaction;
5. an `analytics_runs` row with what was fitted and how well.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from tortoise.transactions import in_transaction

from models import Brand
from models.analytics_cache import AnalyticsRun, CustomerCluster
from services.analytics import baskets, churn, clusters, features, lifecycle, rollups
from services.common import sql
from services.loyalty import config as loyalty_config
from services.loyalty.config import utcnow

SCORE_COLUMNS = (
    "brand_id",
    "customer_id",
    "recency_days",
    "frequency",
    "monetary_cents",
    "tenure_days",
    "events_30d",
    "cart_adds_30d",
    "churn_probability",
    "cluster",
    "refreshed_at",
)
POSTGRES_TYPES = (
    "BIGINT",
    "BIGINT",
    "INT",
    "INT",
    "BIGINT",
    "INT",
    "INT",
    "INT",
    "FLOAT8",
    "INT",
    "TIMESTAMPTZ",
)
SQLITE_ROWS_PER_STATEMENT = 500
T = TypeVar("T")


def _score_rows(
    brand_id: int,
    found: features.FeatureSet,
    probability: npt.NDArray[np.float64] | None,
    assignment: npt.NDArray[np.int64] | None,
    now: datetime,
) -> list[tuple[Any, ...]]:
    now_features = found.now
    return [
        (
            brand_id,
            int(found.customer_ids[i]),
            int(now_features[i, 0]),
            int(now_features[i, 1]),
            round(float(now_features[i, 2]) * 100),
            int(now_features[i, 3]),
            int(now_features[i, 4]),
            int(now_features[i, 5]),
            None if probability is None else float(probability[i]),
            None if assignment is None else int(assignment[i]),
            now,
        )
        for i in range(len(found.customer_ids))
    ]


async def _insert_scores(rows: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(SCORE_COLUMNS)
    if sql.is_postgres():  # one statement: a column of values per array
        arrays = [list(column) for column in zip(*rows, strict=True)] if rows else []
        if not arrays:
            return
        casts = ", ".join(f"CAST(? AS {t}[])" for t in POSTGRES_TYPES)
        await sql.execute(
            f"INSERT INTO analytics_customer_scores ({columns}) SELECT * FROM unnest({casts})",
            arrays,
        )
        return
    marks = "(" + ", ".join("?" for _ in SCORE_COLUMNS) + ")"
    for start in range(0, len(rows), SQLITE_ROWS_PER_STATEMENT):
        chunk = rows[start : start + SQLITE_ROWS_PER_STATEMENT]
        await sql.execute(
            f"INSERT INTO analytics_customer_scores ({columns}) VALUES"
            f" {', '.join(marks for _ in chunk)}",
            [value for row in chunk for value in row],
        )


async def _write(
    brand_id: int,
    rows: list[tuple[Any, ...]],
    clustering: clusters.Clustering,
    run: dict[str, Any],
) -> None:
    async with in_transaction():  # readers see the previous refresh or this one, never a mix
        await sql.execute("DELETE FROM analytics_customer_scores WHERE brand_id = ?", [brand_id])
        await _insert_scores(rows)
        await sql.execute("DELETE FROM analytics_clusters WHERE brand_id = ?", [brand_id])
        await CustomerCluster.bulk_create(
            [
                CustomerCluster(
                    brand_id=brand_id,
                    number=c.number,
                    label=c.label,
                    size=c.size,
                    centroid=c.centroid,
                )
                for c in clustering.clusters
            ]
        )
        await AnalyticsRun.create(brand_id=brand_id, **run)


async def refresh(brand: Brand, now: datetime | None = None) -> dict[str, Any]:
    """Rebuild the brand's analytics; what was done and how long each step took."""
    started = time.perf_counter()
    now = now or utcnow()
    zone = ZoneInfo(brand.timezone)
    settings = await loyalty_config.get_settings(brand.id)
    timings: dict[str, float] = {}

    def lap(step: str, since: float) -> float:
        timings[step] = round(time.perf_counter() - since, 3)
        return time.perf_counter()

    async def timed(step: str, work: Awaitable[T]) -> T:
        began = time.perf_counter()
        done = await work
        lap(step, began)
        return done

    async def reports() -> None:
        await rollups.buying_days(brand.id)
        await rollups.sales_days(brand.id, zone)
        await rollups.day_totals(brand.id, zone)

    mark = time.perf_counter()
    if sql.is_postgres():  # independent, each in its own transactions and connections: the
        # server works on them at once (on as many cores), the slowest sets the pace; one
        # failing cancels the others (their open transactions roll back)
        async with asyncio.TaskGroup() as group:
            stats = group.create_task(timed("lifecycle", lifecycle.refresh(brand, now)))
            rebuilt = group.create_task(timed("baskets", baskets.rebuild(brand.id, zone)))
            group.create_task(timed("reports", reports()))
        customers, counts = stats.result(), rebuilt.result()
    else:  # SQLite has one writer at a time
        customers = await timed("lifecycle", lifecycle.refresh(brand, now))
        counts = await timed("baskets", baskets.rebuild(brand.id, zone))
        await timed("reports", reports())
    mark = lap("caches", mark)
    today = loyalty_config.calendar(brand).day(now)
    horizon = settings.at_risk_days
    found = await features.load(brand.id, today, now, horizon)
    mark = lap("features", mark)
    model = churn.fit(found, horizon)
    probability = churn.score(model, found)
    mark = lap("churn", mark)
    clustering = clusters.fit(found)
    mark = lap("clusters", mark)
    rows = _score_rows(brand.id, found, probability, clustering.assignment, now)
    tally = {
        "customers": customers,
        "scored": len(rows),
        "products": counts.products,
        "baskets": counts.baskets,
        "pairs": counts.pairs,
    }
    run = {
        "finished_at": now,
        "seconds": round(time.perf_counter() - started, 3),
        "churn": model.as_json(),
        "clusters": clustering.summary,
        "counts": tally,
    }
    await _write(brand.id, rows, clustering, run)
    lap("write", mark)
    quality = {k: model.quality.get(k) for k in ("auc", "brier", "holdoutCustomers")}
    return {
        **tally,
        "churnModel": {"fitted": model.fitted, "reason": model.reason, **quality},
        "clusters": clustering.summary,
        "timings": timings,
    }
