"""The loyalty fields of `Customer` and `me`, as a base type both inherit."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import strawberry

from auth.context import Info
from engine.batch_resolvers import batch_resolver
from models import Customer as CustomerModel
from resolvers.errors import bad_input
from resolvers.first_rows import FirstRows
from resolvers.loyalty import loaders, queries
from resolvers.loyalty.loaders import LedgerRow
from schema.loyalty import ledger_rows  # noqa: F401  (registers the ledger's row sources)
from schema.loyalty.types import (
    LifecycleStage,
    MembershipType,
    PointsBalance,
    PointsTransactionConnection,
    PointsTransactionFilter,
    PurchaseConnection,
    Rfm,
    ValueTier,
    membership_of,
    points_of,
    rfm_of,
    stats_of,
)
from services.common.pagination import PageRequest


def _page(first: int, after: str | None) -> PageRequest:
    if not 0 <= first <= 100:
        raise bad_input("first must be between 0 and 100")
    return PageRequest(first=first, after=after)


async def memberships_of_each(
    parents: Sequence[LoyaltyFields], info: Info
) -> list[MembershipType | None]:
    found = await loaders.memberships(info.context, [parent.model for parent in parents])
    return [MembershipType.from_model(m) if m else None for m in found]


async def points_transactions_of_each(
    parents: Sequence[LoyaltyFields],
    info: Info,
    first: int = 20,
    after: str | None = None,
    filter: PointsTransactionFilter | None = None,
) -> list[PointsTransactionConnection] | list[FirstRows[LedgerRow]]:
    _page(first, after)
    spec = (filter or PointsTransactionFilter()).to_spec()
    if after is None and spec == queries.TransactionFilter():
        customers = [parent.model for parent in parents]
        # rows, read as PointsTransactionConnection by the executor (schema/loyalty/ledger_rows)
        return await queries.first_points_transactions_of(info.context, customers, first)
    return list(
        await asyncio.gather(
            *(
                LoyaltyFields.points_transactions_of(parent, info, first, after, filter)
                for parent in parents
            )
        )
    )


@strawberry.type
class LoyaltyFields:
    model: strawberry.Private[CustomerModel]

    @strawberry.field(
        description="Null until the customer is enrolled (first purchase or enrollMember)."
    )
    @batch_resolver(memberships_of_each)
    async def membership(self, info: Info) -> MembershipType | None:
        return await membership_of(info, self.model)

    @strawberry.field
    async def points(self, info: Info) -> PointsBalance:
        return await points_of(info, self.model)

    @strawberry.field(description="The points ledger, newest first.")
    @batch_resolver(points_transactions_of_each)
    async def points_transactions(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        filter: PointsTransactionFilter | None = None,
    ) -> PointsTransactionConnection:
        return await self.points_transactions_of(info, first, after, filter)

    async def points_transactions_of(
        self,
        info: Info,
        first: int,
        after: str | None,
        filter: PointsTransactionFilter | None,
    ) -> PointsTransactionConnection:
        request = _page(first, after)
        spec = (filter or PointsTransactionFilter()).to_spec()
        if after is None and spec == queries.TransactionFilter():  # a list's usual read: batched
            first_page = await queries.first_points_transactions(info.context, self.model, first)
            return PointsTransactionConnection.from_page(first_page, info.context.tz)
        page = await queries.points_transactions(self.model, request, spec)
        return PointsTransactionConnection.from_page(page, info.context.tz)

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
