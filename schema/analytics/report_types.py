"""Analytics report types: ranges, intervals, overview, repeat rate, cohorts, sales series."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from auth.context import Info
from resolvers.ids import to_global_id
from resolvers.stores import loaders as store_loaders
from schema.stores.types import StoreType
from services.analytics.overview import Figures
from services.analytics.periods import DateRange, Interval


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
class ReferralRate:
    range: DateRangeType
    referred_sign_ups: int = strawberry.field(
        description="Customers created in the range who signed up through a referral."
    )
    new_customers: int = strawberry.field(description="Customers created in the range.")
    rate: float | None = strawberry.field(
        description="referredSignUps / newCustomers (0 to 1); null without new customers."
    )


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
    key: str | None = strawberry.field(
        description="The group (STORE: the Store's id); null: not recorded or no group."
    )
    purchases: int
    revenue: Decimal
    points: list[SalesPoint] = strawberry.field(description="Every period, zero when empty.")
    store_pk: strawberry.Private[int | None] = None

    @strawberry.field(description="STORE groups: the store.")
    async def store(self, info: Info) -> StoreType | None:
        brand = info.context.require_brand()
        found = await store_loaders.store_by_id(info.context, brand.id, self.store_pk)
        return StoreType.from_model(found) if found else None

    @classmethod
    def keyed(
        cls,
        group: str | None,
        key: str | None,
        purchases: int,
        revenue: Decimal,
        points: list[SalesPoint],
    ) -> SalesGroupSeries:
        """A STORE group's key is the store's number in the caches: shown as its global id."""
        store_pk = int(key) if group == "STORE" and key is not None and key.isdigit() else None
        if store_pk is not None:
            key = to_global_id("Store", store_pk)
        return cls(key=key, purchases=purchases, revenue=revenue, points=points, store_pk=store_pk)


@strawberry.type
class SalesSeries:
    range: DateRangeType
    interval: ReportInterval
    group_by: SalesGroupBy | None
    series: list[SalesGroupSeries] = strawberry.field(
        description="At most 50 groups, by revenue; the rest are counted in groupsLeftOut."
    )
    groups_left_out: int
