"""Purchases and opening balances of an import written a chunk at a time: each row checked as
the operation checks it, then the chunk's valid rows recorded together
(`purchase_batch.record_purchases`, `balance_batch.credit_all`), with the same end state as the
rows one by one through `record_purchase` and `adjust_points`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.common.errors import DomainError, FieldError
from services.imports import rows
from services.imports.rows import ImportScope
from services.loyalty import balance_batch, purchase_batch
from services.loyalty.balance_batch import Credit
from services.loyalty.purchase_batch import PurchaseSpec


async def write_purchases(
    fields: Sequence[dict[str, Any]], customers: Sequence[int | FieldError], scope: ImportScope
) -> list[DomainError | None]:
    """Each row's problems, None for a row written (or an earlier import's purchase)."""
    outcomes: list[DomainError | None] = [None] * len(fields)
    valid: list[tuple[int, PurchaseSpec]] = []
    for index, (row, customer) in enumerate(zip(fields, customers, strict=True)):
        try:
            valid.append((index, rows.purchase_spec(row, customer, scope)))
        except DomainError as exc:
            outcomes[index] = exc
    done = await purchase_batch.record_purchases(
        scope.actor, scope.brand, [spec for _, spec in valid]
    )
    for (index, _), outcome in zip(valid, done, strict=True):
        outcomes[index] = outcome if isinstance(outcome, DomainError) else None
    return outcomes


async def write_balances(
    fields: Sequence[dict[str, Any]], customers: Sequence[int | FieldError], scope: ImportScope
) -> list[DomainError | None]:
    """Each row's problems, None for a row written (or a balance imported before)."""
    outcomes: list[DomainError | None] = [None] * len(fields)
    valid: list[tuple[int, Credit]] = []
    for index, (row, customer) in enumerate(zip(fields, customers, strict=True)):
        try:
            credit = rows.balance_credit(row, customer)
        except DomainError as exc:
            outcomes[index] = exc
            continue
        if credit is not None:
            valid.append((index, credit))
    done = await balance_batch.credit_all(scope.actor, scope.brand, [c for _, c in valid])
    for (index, _), outcome in zip(valid, done, strict=True):
        if isinstance(outcome, DomainError):
            outcomes[index] = rows.balance_problem(outcome)
    return outcomes
