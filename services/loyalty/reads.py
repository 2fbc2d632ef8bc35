"""The loyalty reads of the API: the ones behind the request's DataLoaders (one statement per
brand and batch of ids; the hot ones, memberships, tiers, stats and the ledger, in plain SQL
through models/rows.py and services/common/recent.py) and the paginated lists."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple, cast

from models import (
    CustomerStats,
    Membership,
    PointsTransaction,
    Purchase,
    PurchaseItem,
    Tier,
    TierChange,
)
from models.rows import fetch_in_brand
from services.common.pagination import Page, PageRequest, paginate
from services.common.recent import newest_rows


async def memberships_of(brand_id: int, customer_ids: list[int]) -> list[Membership]:
    return await fetch_in_brand(Membership, brand_id, "customer_id", customer_ids)


async def tiers_by_id(brand_id: int, tier_ids: list[int]) -> list[Tier]:
    return await fetch_in_brand(Tier, brand_id, "id", tier_ids)


async def stats_of(brand_id: int, customer_ids: list[int]) -> list[CustomerStats]:
    return await fetch_in_brand(CustomerStats, brand_id, "customer_id", customer_ids)


async def tier_changes_of(brand_id: int, membership_ids: list[int]) -> list[TierChange]:
    """Newest first."""
    query = TierChange.filter(brand_id=brand_id, membership_id__in=membership_ids)
    return await query.order_by("-created_at", "-id")


async def items_of(brand_id: int, purchase_ids: list[int]) -> list[PurchaseItem]:
    query = PurchaseItem.filter(brand_id=brand_id, purchase_id__in=purchase_ids)
    return await query.order_by("id")


class LedgerRow(NamedTuple):
    """What a page of the ledger shows of a points transaction: read as plain tuples, since
    building ORM instances was a third of a wide page's loading time."""

    id: int
    customer_id: int
    kind: str
    amount: int
    balance_after: int
    reason: str
    source: str
    actor: str
    idempotency_key: str | None
    created_at: datetime
    expires_at: datetime | None
    pending_until: datetime | None


_ledger_row = cast(Callable[[Sequence[Any]], LedgerRow], partial(tuple.__new__, LedgerRow))


async def newest_ledger_rows(brand_id: int, customer_ids: list[int], limit: int) -> list[LedgerRow]:
    """Each customer's `limit` newest points transactions, grouped by customer (in its order),
    newest first within a customer."""
    rows = await newest_rows(
        PointsTransaction, LedgerRow._fields, "customer_id", brand_id, customer_ids, limit
    )
    return list(map(_ledger_row, rows))


LEDGER_ORDER = ("created_at", True)  # the ledger is read newest first


async def ledger_page(
    brand_id: int,
    customer_id: int,
    kind: str | None,
    since: datetime | None,
    until: datetime | None,
    page: PageRequest,
) -> Page[PointsTransaction]:
    """A customer's points transactions of `kind` created in [since, until), newest first;
    raises PaginationError for a bad page request."""
    query = PointsTransaction.filter(brand_id=brand_id, customer_id=customer_id)
    if kind:
        query = query.filter(kind=kind)
    if since:
        query = query.filter(created_at__gte=since)
    if until:
        query = query.filter(created_at__lt=until)
    return await paginate(query, *LEDGER_ORDER, page, is_datetime=True)


async def purchase_page(brand_id: int, customer_id: int, page: PageRequest) -> Page[Purchase]:
    """A customer's purchases, newest first; raises PaginationError for a bad page request."""
    query = Purchase.filter(brand_id=brand_id, customer_id=customer_id)
    return await paginate(query, "occurred_at", True, page, is_datetime=True)
