"""Report resolvers: arguments to the analytics services, bad arguments to typed errors."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from graphql import GraphQLError

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.ids import BadGlobalId, decode_id
from services.analytics import association, products, referrals, retention, sales, scores
from services.analytics.overview import Overview, overview
from services.analytics.periods import DateRange, Interval, ReportInputError, checked_range
from services.analytics.sales import SalesGroup, SalesSeries

if TYPE_CHECKING:
    from models.analytics_cache import AnalyticsRun, CustomerCluster, Product

T = TypeVar("T")


def report_error(exc: ReportInputError) -> GraphQLError:
    """A top-level BAD_USER_INPUT naming the argument (`field`) and what is wrong (`reason`)."""
    return GraphQLError(
        str(exc), extensions={"code": "BAD_USER_INPUT", "field": exc.field, "reason": exc.reason}
    )


async def checked(work: Awaitable[T]) -> T:
    try:
        return await work
    except ReportInputError as exc:
        raise report_error(exc) from exc


def date_range(context: Context, start: date | None, end: date | None) -> DateRange:
    try:
        return checked_range(start, end, context.tz)
    except ReportInputError as exc:
        raise report_error(exc) from exc


async def overview_report(context: Context, found: DateRange, interval: Interval) -> Overview:
    try:
        sales.check_series(found, interval)  # as many periods as a series may have
    except ReportInputError as exc:
        raise report_error(exc) from exc
    return await overview(context.require_brand().id, found, interval)


async def repeat_rate(context: Context, found: DateRange) -> retention.RepeatRate:
    return await retention.repeat_purchase_rate(context.require_brand().id, found)


async def referral_rate(context: Context, found: DateRange) -> referrals.ReferralRate:
    return await referrals.referral_rate(context.require_brand().id, found, context.tz)


async def cohorts(context: Context, found: DateRange, period: Interval) -> list[retention.Cohort]:
    return await checked(retention.retention_cohorts(context.require_brand().id, found, period))


async def sales_series(
    context: Context, found: DateRange, interval: Interval, group: SalesGroup | None
) -> SalesSeries:
    brand = context.require_brand()
    return await checked(sales.sales_series(brand.id, found, interval, group))


async def rules(
    context: Context, found: DateRange, min_support: float, min_confidence: float, first: int
) -> association.Rules:
    brand_id = context.require_brand().id
    return await checked(
        association.association_rules(brand_id, found, min_support, min_confidence, first)
    )


async def bought_together(context: Context, product: Product, first: int) -> list[association.Rule]:
    return await checked(association.bought_together(product.brand_id, product, first))


async def product_list(context: Context, search: str | None, first: int) -> list[Product]:
    return await checked(products.products(context.require_brand().id, search, first))


async def product_by_id(context: Context, pk: int) -> Product | None:
    return await products.product(context.require_brand().id, pk)


async def product(context: Context, global_id: str) -> Product | None:
    try:
        pk = decode_id(global_id, "Product")
    except BadGlobalId as exc:
        raise bad_input(str(exc)) from exc
    return await product_by_id(context, pk)


async def churn_distribution(context: Context) -> scores.Distribution:
    return await scores.distribution(context.require_brand().id)


async def clusters(context: Context) -> list[CustomerCluster]:
    return await scores.clusters(context.require_brand().id)


async def last_refresh(context: Context) -> AnalyticsRun | None:
    return await scores.latest_run(context.require_brand().id)
