"""Inputs of the bulk mutations: rows like the single mutations' inputs, an error policy and
an optional idempotency key for the whole call."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

import strawberry

from resolvers.bulk.mutations import customer_ref
from resolvers.stores.refs import store_ref
from schema.customers.inputs import ExternalIdInput, UpsertCustomerInput
from schema.loyalty.inputs import PurchaseItemInput
from services.bulk.operations import AwardRow, PurchaseRow
from services.bulk.policy import MAX_ROWS
from services.bulk.policy import ErrorPolicy as ErrorPolicySpec

ROWS = f"At most {MAX_ROWS} rows (more is TOO_MANY_ROWS, nothing written)."
KEY = "A retried call with the same key and rows answers the same and writes nothing."


@strawberry.enum(description="What a bulk call does with rows that fail (Saleor's policies).")
class ErrorPolicy(Enum):
    REJECT_EVERYTHING = "REJECT_EVERYTHING"
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"
    IGNORE_FAILED = "IGNORE_FAILED"

    def spec(self) -> ErrorPolicySpec:
        return ErrorPolicySpec(self.value)


def _ref(customer_id: strawberry.ID | None, external: ExternalIdInput | None) -> object:
    pair = (external.system, external.external_id) if external else None
    return customer_ref(str(customer_id) if customer_id else None, pair)


@strawberry.input
class BulkUpsertCustomersInput:
    rows: list[UpsertCustomerInput] = strawberry.field(description=ROWS)
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_EVERYTHING
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)


@strawberry.input(description="recordPurchase's input; the customer by id or by external id.")
class PurchaseRowInput:
    customer_id: strawberry.ID | None = None
    customer_external_id: ExternalIdInput | None = None
    amount: Decimal
    items: list[PurchaseItemInput] = strawberry.field(default_factory=list)
    store_id: str | None = None
    channel: str | None = None
    occurred_at: datetime | None = None
    external_id: str | None = strawberry.field(
        default=None, description="Recorded once per brand: a retried row changes nothing."
    )

    def to_row(self) -> PurchaseRow:
        return PurchaseRow(
            customer=_ref(self.customer_id, self.customer_external_id),  # type: ignore[arg-type]
            amount=self.amount,
            items=tuple(i.to_spec() for i in self.items),
            store_id=store_ref(self.store_id),
            channel=self.channel,
            occurred_at=self.occurred_at,
            external_id=self.external_id,
        )


@strawberry.input
class BulkRecordPurchasesInput:
    rows: list[PurchaseRowInput] = strawberry.field(description=ROWS)
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_EVERYTHING
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)


@strawberry.input(description="awardPoints's input; the customer by id or by external id.")
class AwardPointsRowInput:
    customer_id: strawberry.ID | None = None
    customer_external_id: ExternalIdInput | None = None
    points: int
    reason: str = ""
    source: str = "staff"
    idempotency_key: str | None = strawberry.field(
        default=None, description="Awarded once per brand: a retried row changes nothing."
    )

    def to_row(self) -> AwardRow:
        return AwardRow(
            customer=_ref(self.customer_id, self.customer_external_id),  # type: ignore[arg-type]
            points=self.points,
            reason=self.reason,
            source=self.source,
            idempotency_key=self.idempotency_key,
        )


@strawberry.input
class BulkAwardPointsInput:
    rows: list[AwardPointsRowInput] = strawberry.field(description=ROWS)
    error_policy: ErrorPolicy = ErrorPolicy.REJECT_EVERYTHING
    idempotency_key: str | None = strawberry.field(default=None, description=KEY)
