"""Reading what the refresh fitted: churn risk (per customer, distribution), clusters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from models.analytics_cache import AnalyticsRun, CustomerCluster, CustomerScore
from services.analytics.churn import ChurnModel
from services.analytics.features import FEATURES
from services.common import sql

BUCKETS = 10  # the distribution's bins: [0, 0.1), [0.1, 0.2) ... [0.9, 1]
BANDS = (("LOW", 0.0, 0.3), ("MEDIUM", 0.3, 0.6), ("HIGH", 0.6, 1.01))
DRIVERS = 3
LABELS = {
    "recency_days": "days since the last purchase",
    "frequency": "purchases",
    "monetary": "total spend",
    "tenure_days": "days since the first purchase",
    "events_30d": "tracked events in the last 30 days",
    "cart_adds_30d": "add-to-carts in the last 30 days",
}


def band(probability: float) -> str:
    return next(name for name, low, high in BANDS if low <= probability < high)


async def latest_run(brand_id: int) -> AnalyticsRun | None:
    return await AnalyticsRun.filter(brand_id=brand_id).order_by("-finished_at", "-id").first()


@dataclass(frozen=True)
class Driver:
    feature: str
    label: str
    value: float
    contribution: float  # its term in the log-odds; positive raises the risk


@dataclass(frozen=True)
class ChurnRisk:
    probability: float
    band: str
    drivers: list[Driver]
    scored_at: datetime


def feature_values(score: CustomerScore) -> list[float]:
    return [
        score.recency_days,
        score.frequency,
        score.monetary_cents / 100,
        score.tenure_days,
        score.events_30d,
        score.cart_adds_30d,
    ]


def churn_risk(score: CustomerScore, run: AnalyticsRun | None) -> ChurnRisk | None:
    if score.churn_probability is None or run is None:
        return None
    model = ChurnModel.from_json(run.churn)
    values = feature_values(score)
    terms = model.contributions(values) if model.fitted else [0.0] * len(FEATURES)
    ranked = sorted(range(len(FEATURES)), key=lambda i: -abs(terms[i]))[:DRIVERS]
    drivers = [
        Driver(FEATURES[i], LABELS[FEATURES[i]], values[i], round(terms[i], 4)) for i in ranked
    ]
    p = float(score.churn_probability)
    return ChurnRisk(round(p, 4), band(p), drivers, score.refreshed_at)


async def scores_of(brand_id: int, customer_ids: Sequence[int]) -> dict[int, CustomerScore]:
    rows = await CustomerScore.filter(brand_id=brand_id, customer_id__in=list(customer_ids))
    return {row.customer_id: row for row in rows}


@dataclass(frozen=True)
class Distribution:
    scored: int
    average: float | None
    buckets: list[int]  # customers per tenth of probability
    bands: dict[str, int]
    run: AnalyticsRun | None


async def distribution(brand_id: int) -> Distribution:
    rows = await sql.fetch(
        f"SELECT CAST(churn_probability * {BUCKETS} AS INTEGER) AS bucket, COUNT(*) AS n,"
        " SUM(churn_probability) AS total FROM analytics_customer_scores"
        " WHERE brand_id = ? AND churn_probability IS NOT NULL GROUP BY 1",
        [brand_id],
    )
    counts = [0] * BUCKETS
    total = 0.0
    for row in rows:
        counts[min(int(row["bucket"]), BUCKETS - 1)] += int(row["n"])
        total += float(row["total"] or 0)
    scored = sum(counts)
    bands = {name: 0 for name, _, _ in BANDS}
    for i, n in enumerate(counts):
        bands[band(i / BUCKETS)] += n
    return Distribution(
        scored,
        round(total / scored, 4) if scored else None,
        counts,
        bands,
        await latest_run(brand_id),
    )


async def clusters(brand_id: int) -> list[CustomerCluster]:
    return await CustomerCluster.filter(brand_id=brand_id).order_by("number")


async def cluster(brand_id: int, number: int) -> CustomerCluster | None:
    return await CustomerCluster.get_or_none(brand_id=brand_id, number=number)
