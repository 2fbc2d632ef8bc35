"""Customer filters by tier, lifecycle stage and value tier (subqueries, brand-scoped)."""

from __future__ import annotations

from tortoise.expressions import Subquery
from tortoise.queryset import QuerySet

from models import Customer, CustomerStats, Membership


def loyalty_filters(
    brand_id: int,
    query: QuerySet[Customer],
    tier: str | None,
    lifecycle_stage: str | None,
    value_tier: str | None,
) -> QuerySet[Customer]:
    if tier:
        members = Membership.filter(brand_id=brand_id, tier__name=tier).values("customer_id")
        query = query.filter(id__in=Subquery(members))
    if lifecycle_stage == "PROSPECT":
        buyers = CustomerStats.filter(brand_id=brand_id).exclude(lifecycle_stage="PROSPECT")
        query = query.exclude(id__in=Subquery(buyers.values("customer_id")))
    elif lifecycle_stage:
        staged = CustomerStats.filter(brand_id=brand_id, lifecycle_stage=lifecycle_stage)
        query = query.filter(id__in=Subquery(staged.values("customer_id")))
    if value_tier:
        valued = CustomerStats.filter(brand_id=brand_id, value_tier=value_tier)
        query = query.filter(id__in=Subquery(valued.values("customer_id")))
    return query
