"""Analytics types: report ranges and figures, products and rules, churn and clusters."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from auth.context import Info
from models.analytics import AnalyticsRun, CustomerCluster, Product
from resolvers.analytics import reports
from resolvers.ids import to_global_id
from schema.common import Node, local_time
from services.analytics import association, scores
from services.analytics.overview import Figures
from services.analytics.periods import DateRange, Interval
from services.analytics.recommendations import Recommendation


@strawberry.enum(description="How a series or an overview is cut: days, weeks (Monday first).")
class ReportInterval(Enum):
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@strawberry.enum
class CohortPeriod(Enum):
    MONTH = "MONTH"
    WEEK = "WEEK"


@strawberry.enum
class SalesGroupBy(Enum):
    STORE = "STORE"
    CHANNEL = "CHANNEL"
    TIER = "TIER"
    CATEGORY = "CATEGORY"


@strawberry.enum(description="LOW under 0.3, MEDIUM under 0.6, HIGH from 0.6.")
class ChurnBand(Enum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


@strawberry.input(description="Calendar dates in the brand's time zone, both included.")
class DateRangeInput:
    from_: Annotated[date, strawberry.field(name="from")]
    to: date


@strawberry.type(name="DateRange")
class DateRangeType:
    from_: date = strawberry.field(name="from")
    to: date
    days: int

    @classmethod
    def of(cls, found: DateRange) -> DateRangeType:
        return cls(from_=found.start, to=found.end, days=found.days)


def interval_of(value: ReportInterval | CohortPeriod) -> Interval:
    return Interval(value.value)


@strawberry.type
class OverviewFigures:
    customers: int = strawberry.field(description="Registered by the end of the period.")
    new_customers: int = strawberry.field(description="Registered in the period.")
    active_customers: int = strawberry.field(description="Bought in the period.")
    purchases: int = strawberry.field(description="Not counting fully refunded ones.")
    revenue: Decimal = strawberry.field(description="Net of refunds.")
    average_order_value: Decimal | None
    purchase_frequency: float | None = strawberry.field(
        description="Purchases per active customer."
    )
    points_issued: int
    points_redeemed: int

    @classmethod
    def of(cls, f: Figures) -> OverviewFigures:
        return cls(
            customers=f.customers,
            new_customers=f.new_customers,
            active_customers=f.active_customers,
            purchases=f.purchases,
            revenue=f.revenue.quantize(Decimal("0.01")),
            average_order_value=f.average_order_value,
            purchase_frequency=None
            if f.purchase_frequency is None
            else round(f.purchase_frequency, 4),
            points_issued=f.points_issued,
            points_redeemed=f.points_redeemed,
        )


@strawberry.type
class OverviewPeriod:
    from_: date = strawberry.field(name="from")
    to: date
    figures: OverviewFigures


@strawberry.type
class Overview:
    range: DateRangeType
    previous_range: DateRangeType = strawberry.field(description="As long, just before.")
    current: OverviewFigures
    previous: OverviewFigures
    periods: list[OverviewPeriod]


@strawberry.type
class RepeatPurchaseRate:
    range: DateRangeType
    buyers: int
    repeat_buyers: int = strawberry.field(description="Buyers with 2 purchases or more.")
    rate: float | None = strawberry.field(description="repeatBuyers / buyers (0 to 1).")


@strawberry.type
class RetentionCohort:
    from_: date = strawberry.field(name="from", description="The cohort's first period.")
    size: int = strawberry.field(description="Customers whose first purchase was in it.")
    active: list[int] = strawberry.field(
        description="Per period from the first (index 0) to the range's end: members who bought."
    )
    rates: list[float] = strawberry.field(description="active / size, per period.")


@strawberry.type
class RetentionCohorts:
    range: DateRangeType
    period: CohortPeriod
    cohorts: list[RetentionCohort]


@strawberry.type
class SalesPoint:
    from_: date = strawberry.field(name="from")
    to: date
    purchases: int
    revenue: Decimal
    customers: int | None = strawberry.field(
        description="Who bought in the period; ungrouped series only (null per group)."
    )


@strawberry.type
class SalesGroupSeries:
    key: str | None = strawberry.field(description="The group; null: not recorded or no group.")
    purchases: int
    revenue: Decimal
    points: list[SalesPoint] = strawberry.field(description="Every period, zero when empty.")


@strawberry.type
class SalesSeries:
    range: DateRangeType
    interval: ReportInterval
    group_by: SalesGroupBy | None
    series: list[SalesGroupSeries] = strawberry.field(
        description="At most 50 groups, by revenue; the rest are counted in groupsLeftOut."
    )
    groups_left_out: int


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


@strawberry.type
class ChurnModelQuality:
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
class CustomerClusterType:
    number: int = strawberry.field(description="1 is the cluster with the highest spend.")
    label: str = strawberry.field(description="How its centroid compares to the median buyer.")
    size: int
    centroid: ClusterCentroid

    @classmethod
    def from_model(cls, row: CustomerCluster) -> CustomerClusterType:
        c = row.centroid
        return cls(
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
class AnalyticsRefresh:
    seconds: float
    counts: strawberry.scalars.JSON
    run: strawberry.Private[AnalyticsRun]

    @strawberry.field
    def finished_at(self, info: Info) -> datetime:
        return local_time(info, self.run.finished_at)
