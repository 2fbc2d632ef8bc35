from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.first_rows import FirstRows, first_rows
from resolvers.loyalty import loaders
from services.common.pagination import Page, PageRequest, PaginationError
from services.customers import reads as customer_reads
from services.loyalty import config as loyalty_config
from services.loyalty import memberships, reads
from services.loyalty.memberships import TierProgress
from services.loyalty.reads import LEDGER_ORDER

if TYPE_CHECKING:
    from models import Customer, LoyaltySettings, Membership, PointsTransaction, Purchase, Tier


@dataclass(frozen=True)
class TransactionFilter:
    kind: str | None = None
    from_: datetime | None = None
    to: datetime | None = None


async def points_transactions(
    owner: Customer, page: PageRequest, spec: TransactionFilter
) -> Page[PointsTransaction]:
    try:
        return await reads.ledger_page(
            owner.brand_id, owner.id, spec.kind, spec.from_, spec.to, page
        )
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def first_points_transactions(
    context: Context, owner: Customer, first: int
) -> Page[loaders.LedgerRow]:
    """The first page, unfiltered: batched across the customers of a list (no N+1).

    The same page `points_transactions` returns without a cursor or filter.
    """
    (rows,) = await first_points_transactions_of(context, [owner], first)
    return rows.page()


async def first_points_transactions_of(
    context: Context, owners: Sequence[Customer], first: int
) -> list[FirstRows[loaders.LedgerRow]]:
    """`first_points_transactions` for a list of customers at once, as rows."""
    PageRequest(first=first).validate()
    ledgers = await loaders.newest_transactions_of(context, owners, first + 1)
    return [first_rows(rows, first, *LEDGER_ORDER) for rows in ledgers]


async def purchases(owner: Customer, page: PageRequest) -> Page[Purchase]:
    try:
        return await reads.purchase_page(owner.brand_id, owner.id, page)
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def tier_progress(context: Context, membership: Membership) -> TierProgress:
    return await memberships.tier_progress(context.require_brand(), membership)


async def tier_ladder(context: Context) -> list[Tier]:
    return await loyalty_config.ladder(context.require_brand().id)


async def loyalty_settings(context: Context) -> LoyaltySettings:
    return await loyalty_config.get_settings(context.require_brand().id)


async def me(context: Context) -> Customer | None:
    principal = context.principal
    brand = context.require_brand()
    if principal is None or principal.kind != "customer":
        return None
    return await customer_reads.customer_in_brand(brand.id, principal.subject_id)
