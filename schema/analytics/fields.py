"""The analytics fields of `Customer`: churn risk, cluster, recommendations, next offers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.analytics import customers
from schema.analytics.types import ChurnRisk, CustomerClusterType, ProductRecommendation
from schema.offers.types import OfferType
from services.analytics import scores

if TYPE_CHECKING:
    from models import Customer as CustomerModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object


@strawberry.type
class NextBestOffer:
    offer: OfferType
    score: float
    reasons: list[str]


@strawberry.type
class CustomerAnalyticsFields:
    model: strawberry.Private[CustomerModel]

    @strawberry.field(
        description="The probability this customer buys nothing in the model's horizon, and "
        "why (analytics:read); null before a refresh has scored them (buyers only)."
    )
    async def churn_risk(self, info: Info) -> ChurnRisk | None:
        found: scores.ChurnRisk | None = await customers.churn_risk(info.context, self.model)
        return ChurnRisk.of(found) if found else None

    @strawberry.field(description="The buyer cluster of the last refresh (analytics:read).")
    async def cluster(self, info: Info) -> CustomerClusterType | None:
        found = await customers.cluster(info.context, self.model)
        return CustomerClusterType.from_model(found) if found else None

    @strawberry.field(
        description="Products the customer has not bought, best first, with a reason; first at "
        "most 50 (analytics:read, or the customer's own token)."
    )
    async def recommendations(self, info: Info, first: int = 10) -> list[ProductRecommendation]:
        found = await customers.recommendations(info.context, self.model, first)
        return [ProductRecommendation.of(r) for r in found]

    @strawberry.field(
        description="Offers the customer may claim now, ranked for them (docs/analytics.md); "
        "first at most 20 (analytics:read, or the customer's own token)."
    )
    async def next_best_offers(self, info: Info, first: int = 5) -> list[NextBestOffer]:
        found = await customers.best_offers(info.context, self.model, first)
        return [
            NextBestOffer(offer=OfferType.from_model(r.offer), score=r.score, reasons=r.reasons)
            for r in found
        ]
