"""The `analytics` root field: the brand's reports, each over a range in the brand's zone."""

from __future__ import annotations

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.analytics import reports
from schema.analytics.report_types import (
    CohortPeriod,
    DateRangeInput,
    DateRangeType,
    Overview,
    OverviewFigures,
    OverviewPeriod,
    ReferralRate,
    RepeatPurchaseRate,
    ReportInterval,
    RetentionCohort,
    RetentionCohorts,
    SalesGroupBy,
    SalesGroupSeries,
    SalesPoint,
    SalesSeries,
    interval_of,
)
from schema.analytics.types import (
    AnalyticsRefresh,
    AssociationRule,
    ChurnRiskDistribution,
    CustomerClusterType,
    ProductType,
)
from services.analytics.periods import DateRange
from services.analytics.sales import SalesGroup

RANGE_NOTE = (
    "`range`: dates in the brand's time zone, both included, at most 731 days (default: the "
    "last 30 days)."
)


def _range(info: Info, found: DateRangeInput | None) -> DateRange:
    if found is None:
        return reports.date_range(info.context, None, None)
    return reports.date_range(info.context, found.from_, found.to)


@strawberry.type(description="The brand's analytics (scope analytics:read).")
class Analytics:
    @strawberry.field
    def time_zone(self, info: Info) -> str:
        return info.context.require_brand().timezone

    @strawberry.field(
        description="Customers, buyers, purchases, revenue, points: over the range, the range "
        f"just before it and each period of the range. {RANGE_NOTE} A DAY interval covers at "
        "most 366 days."
    )
    async def overview(
        self,
        info: Info,
        range: DateRangeInput | None = None,
        interval: ReportInterval = ReportInterval.MONTH,
    ) -> Overview:
        found = _range(info, range)
        o = await reports.overview_report(info.context, found, interval_of(interval))
        return Overview(
            range=DateRangeType.of(o.range),
            previous_range=DateRangeType.of(o.previous_range),
            current=OverviewFigures.of(o.current),
            previous=OverviewFigures.of(o.previous),
            periods=[
                OverviewPeriod(from_=p.start, to=p.end, figures=OverviewFigures.of(p.figures))
                for p in o.periods
            ],
        )

    @strawberry.field(
        description=f"The share of the range's buyers with 2 purchases or more in it. {RANGE_NOTE}"
    )
    async def repeat_purchase_rate(
        self, info: Info, range: DateRangeInput | None = None
    ) -> RepeatPurchaseRate:
        found = _range(info, range)
        r = await reports.repeat_rate(info.context, found)
        return RepeatPurchaseRate(
            range=DateRangeType.of(found),
            buyers=r.buyers,
            repeat_buyers=r.repeat_buyers,
            rate=None if r.rate is None else round(r.rate, 6),
        )

    @strawberry.field(
        description="The share of the range's new customers who signed up through a referral "
        f"(the referral programme's report has the rest: `referralReport`). {RANGE_NOTE}"
    )
    async def referral_rate(self, info: Info, range: DateRangeInput | None = None) -> ReferralRate:
        found = _range(info, range)
        r = await reports.referral_rate(info.context, found)
        return ReferralRate(
            range=DateRangeType.of(found),
            referred_sign_ups=r.referred_sign_ups,
            new_customers=r.new_customers,
            rate=None if r.rate is None else round(r.rate, 6),
        )

    @strawberry.field(
        description="First-purchase cohorts of the range and the share of each active in "
        f"every following period up to the range's end. {RANGE_NOTE} WEEK: at most 371 days."
    )
    async def retention_cohorts(
        self,
        info: Info,
        range: DateRangeInput | None = None,
        period: CohortPeriod = CohortPeriod.MONTH,
    ) -> RetentionCohorts:
        found = _range(info, range)
        rows = await reports.cohorts(info.context, found, interval_of(period))
        return RetentionCohorts(
            range=DateRangeType.of(found),
            period=period,
            cohorts=[
                RetentionCohort(
                    from_=c.start,
                    size=c.size,
                    active=c.active,
                    rates=[round(r, 6) for r in c.rates],
                )
                for c in rows
            ],
        )

    @strawberry.field(
        description="Purchases and revenue per period, optionally per store, channel, tier or "
        f"category. {RANGE_NOTE} DAY: at most 366 days."
    )
    async def sales_series(
        self,
        info: Info,
        range: DateRangeInput | None = None,
        interval: ReportInterval = ReportInterval.DAY,
        group_by: SalesGroupBy | None = None,
    ) -> SalesSeries:
        found = _range(info, range)
        group = SalesGroup(group_by.value) if group_by else None
        s = await reports.sales_series(info.context, found, interval_of(interval), group)
        return SalesSeries(
            range=DateRangeType.of(found),
            interval=interval,
            group_by=group_by,
            series=[
                SalesGroupSeries.keyed(
                    group.value if group else None,
                    g.key,
                    purchases=g.purchases,
                    revenue=g.revenue,
                    points=[
                        SalesPoint(
                            from_=p.start,
                            to=p.end,
                            purchases=p.purchases,
                            revenue=p.revenue,
                            customers=p.customers,
                        )
                        for p in g.points
                    ],
                )
                for g in s.series
            ],
            groups_left_out=s.groups_left_out,
        )

    @strawberry.field(
        description="Rules A -> B from the baskets of the range's months (counted by month, so "
        "the range is widened to whole months), with support >= minSupport (0 to 1) and "
        "confidence >= minConfidence, most lift first; first at most 100. Counts are those "
        f"of the last `crm analytics refresh`. {RANGE_NOTE}"
    )
    async def association_rules(
        self,
        info: Info,
        min_support: float = 0.01,
        min_confidence: float = 0.1,
        range: DateRangeInput | None = None,
        first: int = 20,
    ) -> list[AssociationRule]:
        found = _range(info, range)
        rules = await reports.rules(info.context, found, min_support, min_confidence, first)
        return [AssociationRule.of(r) for r in rules.rules]

    @strawberry.field(
        description="How the scored customers spread over churn probability, and the model's "
        "quality as measured by the last refresh."
    )
    async def churn_risk_distribution(self, info: Info) -> ChurnRiskDistribution:
        return ChurnRiskDistribution.of(await reports.churn_distribution(info.context))

    @strawberry.field(description="Buyer clusters of the last refresh, by number.")
    async def clusters(self, info: Info) -> list[CustomerClusterType]:
        return [CustomerClusterType.from_model(c) for c in await reports.clusters(info.context)]

    @strawberry.field(description="Products by name; first at most 100.")
    async def products(
        self, info: Info, search: str | None = None, first: int = 20
    ) -> list[ProductType]:
        found = await reports.product_list(info.context, search, first)
        return [ProductType.from_model(p) for p in found]

    @strawberry.field
    async def product(self, info: Info, id: strawberry.ID) -> ProductType | None:
        found = await reports.product(info.context, id)
        return ProductType.from_model(found) if found else None

    @strawberry.field(description="The last `crm analytics refresh` of the brand.")
    async def last_refresh(self, info: Info) -> AnalyticsRefresh | None:
        run = await reports.last_refresh(info.context)
        if run is None:
            return None
        return AnalyticsRefresh.of(run)


@strawberry.type
class AnalyticsQueries:
    @strawberry.field(extensions=requires(Scope.ANALYTICS_READ))
    def analytics(self) -> Analytics:
        return Analytics()
