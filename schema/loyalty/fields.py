"""The loyalty fields of `Customer` and `me`, as a base type both inherit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from engine.batch_resolvers import batch_field
from resolvers.errors import bad_input
from resolvers.first_rows import FirstRows
from resolvers.loyalty import loaders, queries
from resolvers.loyalty.loaders import LedgerRow
from schema.loyalty.types import (
    LEDGER_PAGE,
    LifecycleStage,
    MembershipType,
    PointsBalance,
    PointsTransactionConnection,
    PointsTransactionFilter,
    PurchaseConnection,
    Rfm,
    ValueTier,
    points_of,
    rfm_of,
    stats_of,
)
from services.common.pagination import PageRequest

if TYPE_CHECKING:
    from models import Customer as CustomerModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object


def _page(first: int, after: str | None) -> PageRequest:
    if not 0 <= first <= 100:
        raise bad_input("first must be between 0 and 100")
    return PageRequest(first=first, after=after)


async def memberships_of_each(
    parents: Sequence[LoyaltyFields], info: Info
) -> list[MembershipType | None]:
    found = await loaders.memberships(info.context, [parent.model for parent in parents])
    return [MembershipType.from_model(m) if m else None for m in found]


async def _points_transactions(
    parent: LoyaltyFields,
    info: Info,
    first: int,
    after: str | None,
    filter: PointsTransactionFilter,
) -> PointsTransactionConnection:
    page = await queries.points_transactions(parent.model, _page(first, after), filter.to_spec())
    return PointsTransactionConnection.from_page(page, info.context)


async def points_transactions_of_each(
    parents: Sequence[LoyaltyFields],
    info: Info,
    first: int = 20,
    after: str | None = None,
    filter: PointsTransactionFilter | None = None,
) -> list[PointsTransactionConnection] | list[FirstRows[LedgerRow]]:
    _page(first, after)
    filter = filter or PointsTransactionFilter()
    if after is None and filter.to_spec() == queries.TransactionFilter():  # a list's usual read
        customers = [parent.model for parent in parents]
        return await queries.first_points_transactions_of(info.context, customers, first)
    return list(
        await asyncio.gather(
            *(_points_transactions(parent, info, first, after, filter) for parent in parents)
        )
    )


@strawberry.type
class LoyaltyFields:
    model: strawberry.Private[CustomerModel]

    membership = batch_field(
        memberships_of_each,
        MembershipType | None,
        description="Null until the customer is enrolled (first purchase or enrollMember).",
    )

    @strawberry.field
    async def points(self, info: Info) -> PointsBalance:
        return await points_of(info, self.model)

    points_transactions = batch_field(
        points_transactions_of_each,
        PointsTransactionConnection,
        rows=LEDGER_PAGE,
        description="The points ledger, newest first.",
    )

    @strawberry.field(description="Purchases, newest first, with their items.")
    async def purchases(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> PurchaseConnection:
        page = await queries.purchases(self.model, _page(first, after))
        return PurchaseConnection.from_page(page)

    @strawberry.field
    async def lifecycle_stage(self, info: Info) -> LifecycleStage:
        stats = await stats_of(info, self.model)
        return LifecycleStage(stats.lifecycle_stage if stats else "PROSPECT")

    @strawberry.field(description="From RFM quintiles within the brand (crm analytics refresh).")
    async def value_tier(self, info: Info) -> ValueTier | None:
        stats = await stats_of(info, self.model)
        return ValueTier(stats.value_tier) if stats and stats.value_tier else None

    @strawberry.field
    async def rfm(self, info: Info) -> Rfm | None:
        return rfm_of(await stats_of(info, self.model))
