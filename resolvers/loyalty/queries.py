from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from auth.context import Context
from models import Customer, LoyaltySettings, Membership, PointsTransaction, Purchase, Tier
from resolvers.errors import bad_input
from resolvers.first_rows import FirstRows, first_rows
from resolvers.loyalty import loaders
from services.common.pagination import Page, PageRequest, PaginationError, paginate
from services.loyalty import config as loyalty_config
from services.loyalty import memberships
from services.loyalty.memberships import TierProgress

LEDGER_ORDER = ("created_at", True)  # the ledger is read newest first


@dataclass(frozen=True)
class TransactionFilter:
    kind: str | None = None
    from_: datetime | None = None
    to: datetime | None = None


async def points_transactions(
    owner: Customer, page: PageRequest, spec: TransactionFilter
) -> Page[PointsTransaction]:
    query = PointsTransaction.filter(brand_id=owner.brand_id, customer_id=owner.id)
    if spec.kind:
        query = query.filter(kind=spec.kind)
    if spec.from_:
        query = query.filter(created_at__gte=spec.from_)
    if spec.to:
        query = query.filter(created_at__lt=spec.to)
    try:
        return await paginate(query, *LEDGER_ORDER, page, is_datetime=True)
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
    query = Purchase.filter(brand_id=owner.brand_id, customer_id=owner.id)
    try:
        return await paginate(query, "occurred_at", True, page, is_datetime=True)
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
    return await Customer.get_or_none(brand_id=brand.id, id=principal.subject_id)
