"""Analytics types: products and rules, recommendations, churn and clusters (the reports' own
are in schema/analytics/report_types.py)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.analytics import reports
from resolvers.ids import to_global_id
from schema.common import Node, local_time
from services.analytics import association, scores
from services.analytics.recommendations import Recommendation

if TYPE_CHECKING:
    from models.analytics_cache import AnalyticsRun, CustomerCluster, Product
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    AnalyticsRun = object
    Product = object


@strawberry.enum(description="LOW under 0.3, MEDIUM under 0.6, HIGH from 0.6.")
class ChurnBand(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@strawberry.type(name="Product", description="A SKU of the brand, derived from purchase items.")
class ProductType(Node):
    sku: str
    name: str
    category: str | None
    model: strawberry.Private[Product]

    @classmethod
    def from_model(cls, row: Product) -> ProductType:
        return cls(
            id=strawberry.ID(to_global_id("Product", row.id)),
            sku=row.sku,
            name=row.name,
            category=row.category,
            model=row,
        )

    @strawberry.field(
        description="Products bought in the same baskets, most lift first (every month "
        "cached by the last refresh); first at most 100."
    )
    async def bought_together(self, info: Info, first: int = 10) -> list[AssociationRule]:
        found = await reports.bought_together(info.context, self.model, first)
        return [AssociationRule.of(r) for r in found]


@strawberry.type
class AssociationRule:
    antecedent: ProductType
    consequent: ProductType
    baskets: int = strawberry.field(description="Baskets holding both.")
    support: float = strawberry.field(description="Share of all baskets holding both.")
    confidence: float = strawberry.field(description="Of baskets with the antecedent.")
    lift: float = strawberry.field(description="confidence / share of baskets with the consequent.")

    @classmethod
    def of(cls, r: association.Rule) -> AssociationRule:
        return cls(
            antecedent=ProductType.from_model(r.antecedent),
            consequent=ProductType.from_model(r.consequent),
            baskets=r.baskets,
            support=round(r.support, 6),
            confidence=round(r.confidence, 6),
            lift=round(r.lift, 6),
        )


@strawberry.type
class ProductRecommendation:
    product: ProductType
    score: float
    reason: str

    @classmethod
    def of(cls, r: Recommendation) -> ProductRecommendation:
        return cls(product=ProductType.from_model(r.product), score=r.score, reason=r.reason)


@strawberry.type
class ChurnDriver:
    feature: str
    label: str
    value: float = strawberry.field(description="The customer's value of the feature.")
    contribution: float = strawberry.field(
        description="Its term in the model's log-odds; positive raises the risk."
    )


@strawberry.type
class ChurnRisk:
    probability: float = strawberry.field(
        description="Of buying nothing in the model's horizon (ChurnModelQuality.horizonDays)."
    )
    band: ChurnBand
    drivers: list[ChurnDriver] = strawberry.field(description="The 3 largest terms.")
    risk: strawberry.Private[scores.ChurnRisk]

    @strawberry.field
    def scored_at(self, info: Info) -> datetime:
        return local_time(info, self.risk.scored_at)

    @classmethod
    def of(cls, r: scores.ChurnRisk) -> ChurnRisk:
        return cls(
            probability=r.probability,
            band=ChurnBand(r.band),
            drivers=[
                ChurnDriver(
                    feature=d.feature, label=d.label, value=d.value, contribution=d.contribution
                )
                for d in r.drivers
            ],
            risk=r,
        )


@strawberry.type
class CalibrationBin:
    predicted: float
    observed: float
    customers: int


@strawberry.type(description="The churn model one refresh fitted (its id is the refresh's run).")
class ChurnModelQuality(Node):
    fitted: bool
    reason: str = strawberry.field(description="Why no model was fitted, if none was.")
    horizon_days: int
    auc: float | None = strawberry.field(description="ROC AUC on the held-out quarter.")
    brier: float | None = strawberry.field(description="Brier score on the held-out quarter.")
    calibration: list[CalibrationBin]
    training_customers: int
    holdout_customers: int
    run: strawberry.Private[AnalyticsRun]

    @strawberry.field
    def fitted_at(self, info: Info) -> datetime:
        return local_time(info, self.run.finished_at)

    @classmethod
    def of(cls, run: AnalyticsRun) -> ChurnModelQuality:
        data = run.churn
        return cls(
            id=strawberry.ID(to_global_id("ChurnModelQuality", run.id)),
            fitted=bool(data.get("fitted")),
            reason=str(data.get("reason") or ""),
            horizon_days=int(data.get("horizonDays") or 0),
            auc=data.get("auc"),
            brier=data.get("brier"),
            calibration=[CalibrationBin(**b) for b in data.get("calibration") or []],
            training_customers=int(data.get("trainingCustomers") or 0),
            holdout_customers=int(data.get("holdoutCustomers") or 0),
            run=run,
        )


@strawberry.type
class ChurnBucket:
    from_: float = strawberry.field(name="from")
    to: float
    customers: int


@strawberry.type
class ChurnBandCount:
    band: ChurnBand
    customers: int


@strawberry.type
class ChurnRiskDistribution:
    scored_customers: int
    average_probability: float | None
    buckets: list[ChurnBucket] = strawberry.field(description="Tenths of probability.")
    bands: list[ChurnBandCount]
    model: ChurnModelQuality | None = strawberry.field(description="Null before any refresh.")

    @classmethod
    def of(cls, d: scores.Distribution) -> ChurnRiskDistribution:
        tenth = 1 / len(d.buckets)
        return cls(
            scored_customers=d.scored,
            average_probability=d.average,
            buckets=[
                ChurnBucket(from_=round(i * tenth, 2), to=round((i + 1) * tenth, 2), customers=n)
                for i, n in enumerate(d.buckets)
            ],
            bands=[ChurnBandCount(band=ChurnBand(k), customers=v) for k, v in d.bands.items()],
            model=ChurnModelQuality.of(d.run) if d.run else None,
        )


@strawberry.type
class ClusterCentroid:
    recency_days: float
    purchases: float
    spend: float
    events30d: float = strawberry.field(name="events30d")


@strawberry.type(name="CustomerCluster")
class CustomerClusterType(Node):
    number: int = strawberry.field(description="1 is the cluster with the highest spend.")
    label: str = strawberry.field(description="How its centroid compares to the median buyer.")
    size: int
    centroid: ClusterCentroid

    @classmethod
    def from_model(cls, row: CustomerCluster) -> CustomerClusterType:
        c = row.centroid
        return cls(
            id=strawberry.ID(to_global_id("CustomerCluster", row.id)),
            number=row.number,
            label=row.label,
            size=row.size,
            centroid=ClusterCentroid(
                recency_days=c.get("recencyDays", 0.0),
                purchases=c.get("purchases", 0.0),
                spend=c.get("spend", 0.0),
                events30d=c.get("events30d", 0.0),
            ),
        )


@strawberry.type
class AnalyticsRefresh(Node):
    seconds: float
    counts: strawberry.scalars.JSON
    run: strawberry.Private[AnalyticsRun]

    @classmethod
    def of(cls, run: AnalyticsRun) -> AnalyticsRefresh:
        return cls(
            id=strawberry.ID(to_global_id("AnalyticsRefresh", run.id)),
            seconds=run.seconds,
            counts=strawberry.scalars.JSON(run.counts),
            run=run,
        )

    @strawberry.field
    def finished_at(self, info: Info) -> datetime:
        return local_time(info, self.run.finished_at)
