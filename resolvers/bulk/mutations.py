"""Bulk mutations: rows decoded one by one (a bad id is that row's error), then the service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.ids import BadGlobalId, decode_id
from resolvers.results import MutationResult, run
from services.bulk import operations
from services.bulk.operations import AwardRow, PurchaseRow
from services.bulk.policy import ErrorPolicy, RowResult
from services.bulk.refs import CustomerRef
from services.common.errors import ErrorCode, FieldError
from services.customers.upsert import UpsertInput, UpsertResult
from services.loyalty.purchases import PurchaseResult

if TYPE_CHECKING:
    from models import PointsTransaction


def customer_ref(customer_id: str | None, external: tuple[str, str] | None) -> CustomerRef:
    if customer_id is None:
        return CustomerRef(external=external)
    try:
        return CustomerRef(pk=decode_id(customer_id, "Customer"))
    except BadGlobalId as exc:
        return CustomerRef(problem=FieldError("customerId", ErrorCode.INVALID, str(exc)))


async def upsert_customers(
    context: Context, rows: Sequence[UpsertInput], policy: ErrorPolicy, key: str | None
) -> MutationResult[list[RowResult[UpsertResult]]]:
    brand = context.require_brand()
    return await run(operations.bulk_upsert_customers(context.actor, brand, rows, policy, key))


async def record_purchases(
    context: Context, rows: Sequence[PurchaseRow], policy: ErrorPolicy, key: str | None
) -> MutationResult[list[RowResult[PurchaseResult]]]:
    brand = context.require_brand()
    return await run(operations.bulk_record_purchases(context.actor, brand, rows, policy, key))


async def award_points(
    context: Context, rows: Sequence[AwardRow], policy: ErrorPolicy, key: str | None
) -> MutationResult[list[RowResult[PointsTransaction]]]:
    return await run(operations.bulk_award_points(context.actor, rows, policy, key))
