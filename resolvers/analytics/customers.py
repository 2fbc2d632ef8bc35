"""Analytics on one customer: churn risk, cluster, recommendations, next best offers.

Churn risk and cluster need `analytics:read`; recommendations and next best offers too, or
the customer's own token (a frontend shows a member their own). Scores are loaded for a whole
page of customers at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from auth.scopes import Scope
from resolvers.analytics.reports import checked
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from services.analytics import scores
from services.analytics.next_offers import RankedOffer, next_best_offers
from services.analytics.recommendations import Recommendation, recommend

if TYPE_CHECKING:
    from models import Customer
    from models.analytics_cache import AnalyticsRun, CustomerCluster, CustomerScore


def require_analytics(context: Context, customer: Customer, own_allowed: bool) -> None:
    principal = context.principal
    if principal is None:
        return  # the parent field already refused
    if own_allowed and principal.kind == "customer" and principal.subject_id == customer.id:
        return
    if not principal.has(Scope.ANALYTICS_READ.value):
        raise StrawberryGraphQLError(
            f"requires scope {Scope.ANALYTICS_READ.value}", extensions={"code": "FORBIDDEN"}
        )


async def _scores(keys: Sequence[BrandKey]) -> list[CustomerScore | None]:
    found: dict[BrandKey, CustomerScore] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for customer_id, row in (await scores.scores_of(brand_id, ids)).items():
            found[(brand_id, customer_id)] = row
    return [found.get(key) for key in keys]


async def _runs(keys: Sequence[BrandKey]) -> list[AnalyticsRun | None]:
    return [await scores.latest_run(brand_id) for brand_id, _ in keys]


async def _clusters(keys: Sequence[BrandKey]) -> list[CustomerCluster | None]:
    out = []
    for brand_id, number in keys:
        out.append(await scores.cluster(brand_id, number))
    return out


async def score_of(context: Context, customer: Customer) -> CustomerScore | None:
    loader = get_loader(context, "analytics_scores", _scores)
    found: CustomerScore | None = await loader.load((customer.brand_id, customer.id))
    return found


async def churn_risk(context: Context, customer: Customer) -> scores.ChurnRisk | None:
    require_analytics(context, customer, own_allowed=False)
    score = await score_of(context, customer)
    if score is None or score.churn_probability is None:
        return None
    run = await get_loader(context, "analytics_runs", _runs).load((customer.brand_id, 0))
    return scores.churn_risk(score, run)


async def cluster(context: Context, customer: Customer) -> CustomerCluster | None:
    require_analytics(context, customer, own_allowed=False)
    score = await score_of(context, customer)
    if score is None or score.cluster is None:
        return None
    loader = get_loader(context, "analytics_clusters", _clusters)
    found: CustomerCluster | None = await loader.load((customer.brand_id, score.cluster))
    return found


async def recommendations(context: Context, customer: Customer, first: int) -> list[Recommendation]:
    require_analytics(context, customer, own_allowed=True)
    return await checked(recommend(customer.brand_id, customer.id, first))


async def best_offers(context: Context, customer: Customer, first: int) -> list[RankedOffer]:
    require_analytics(context, customer, own_allowed=True)
    return await checked(next_best_offers(context.require_brand(), customer, first))
