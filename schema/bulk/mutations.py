"""`bulkUpsertCustomers`, `bulkRecordPurchases`, `bulkAwardPoints`: a result per row
`{index, object, errors}` (docs/onboarding.md, "Bulk operations")."""

from __future__ import annotations

from typing import Any

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.bulk import mutations
from schema.bulk.inputs import (
    BulkAwardPointsInput,
    BulkRecordPurchasesInput,
    BulkUpsertCustomersInput,
)
from schema.common import UserError, user_errors
from schema.customers.mutations import UpsertOutcome
from schema.customers.types import CustomerType
from schema.loyalty.types import PointsTransactionType, PurchaseType
from services.bulk.policy import RowResult

SKIPPED = "IGNORE_FAILED: the row failed and was left out (its errors are not reported)."


@strawberry.type
class CustomerBulkResult:
    index: int
    object: CustomerType | None = None
    outcome: UpsertOutcome | None = None
    skipped: bool = strawberry.field(default=False, description=SKIPPED)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PurchaseBulkResult:
    index: int
    object: PurchaseType | None = None
    points_earned: int | None = None
    skipped: bool = strawberry.field(default=False, description=SKIPPED)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class PointsBulkResult:
    index: int
    object: PointsTransactionType | None = None
    skipped: bool = strawberry.field(default=False, description=SKIPPED)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BulkUpsertCustomersPayload:
    count: int = strawberry.field(default=0, description="Rows written.")
    results: list[CustomerBulkResult] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Problems of the call itself (rows, key)."
    )


@strawberry.type
class BulkRecordPurchasesPayload:
    count: int = 0
    results: list[PurchaseBulkResult] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BulkAwardPointsPayload:
    count: int = 0
    results: list[PointsBulkResult] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


def _count(results: list[RowResult[Any]]) -> int:
    return sum(1 for r in results if r.written)


@strawberry.type
class BulkMutations:
    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_WRITE),
        description="upsertCustomer for up to 1,000 rows under an error policy.",
    )
    async def bulk_upsert_customers(
        self, info: Info, input: BulkUpsertCustomersInput
    ) -> BulkUpsertCustomersPayload:
        rows = [row.to_spec() for row in input.rows]
        result = await mutations.upsert_customers(
            info.context, rows, input.error_policy.spec(), input.idempotency_key
        )
        if result.value is None:
            return BulkUpsertCustomersPayload(errors=user_errors(result.errors))
        return BulkUpsertCustomersPayload(
            count=_count(result.value),
            results=[
                CustomerBulkResult(
                    index=r.index,
                    object=CustomerType.from_model(r.value.customer) if r.value else None,
                    outcome=UpsertOutcome(r.value.outcome) if r.value else None,
                    skipped=r.skipped,
                    errors=user_errors(r.errors, related_type="Customer"),
                )
                for r in result.value
            ],
        )

    @strawberry.mutation(
        extensions=requires(Scope.CUSTOMERS_WRITE),
        description="recordPurchase for up to 1,000 rows under an error policy.",
    )
    async def bulk_record_purchases(
        self, info: Info, input: BulkRecordPurchasesInput
    ) -> BulkRecordPurchasesPayload:
        rows = [row.to_row() for row in input.rows]
        result = await mutations.record_purchases(
            info.context, rows, input.error_policy.spec(), input.idempotency_key
        )
        if result.value is None:
            return BulkRecordPurchasesPayload(errors=user_errors(result.errors))
        return BulkRecordPurchasesPayload(
            count=_count(result.value),
            results=[
                PurchaseBulkResult(
                    index=r.index,
                    object=PurchaseType.from_model(r.value.purchase) if r.value else None,
                    points_earned=r.value.points_earned if r.value else None,
                    skipped=r.skipped,
                    errors=user_errors(r.errors),
                )
                for r in result.value
            ],
        )

    @strawberry.mutation(
        extensions=requires(Scope.POINTS_WRITE),
        description="awardPoints for up to 1,000 rows under an error policy.",
    )
    async def bulk_award_points(
        self, info: Info, input: BulkAwardPointsInput
    ) -> BulkAwardPointsPayload:
        rows = [row.to_row() for row in input.rows]
        result = await mutations.award_points(
            info.context, rows, input.error_policy.spec(), input.idempotency_key
        )
        if result.value is None:
            return BulkAwardPointsPayload(errors=user_errors(result.errors))
        context = info.context
        return BulkAwardPointsPayload(
            count=_count(result.value),
            results=[
                PointsBulkResult(
                    index=r.index,
                    object=PointsTransactionType.from_model(r.value, context) if r.value else None,
                    skipped=r.skipped,
                    errors=user_errors(r.errors),
                )
                for r in result.value
            ],
        )
