"""Error policies (Saleor's) and running rows under one.

- REJECT_EVERYTHING: all or nothing; if any row fails, nothing is written and every failing
  row reports its errors.
- REJECT_FAILED_ROWS: the good rows are written, the bad ones report their errors.
- IGNORE_FAILED: the good rows are written, the bad ones are skipped without errors.

Rows run in order inside one transaction, each in a savepoint of its own, through the single
operation's service function: a failing row's writes roll back to its savepoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from services.common import audit
from services.common.errors import DomainError, ErrorCode, FieldError

MAX_ROWS = 1000
T = TypeVar("T")
R = TypeVar("R")


class ErrorPolicy(StrEnum):
    REJECT_EVERYTHING = "REJECT_EVERYTHING"
    REJECT_FAILED_ROWS = "REJECT_FAILED_ROWS"
    IGNORE_FAILED = "IGNORE_FAILED"


@dataclass
class RowResult(Generic[T]):
    index: int
    value: T | None = None
    errors: list[FieldError] = field(default_factory=list)
    skipped: bool = False  # IGNORE_FAILED: a failed row left out without its errors
    wrote: bool = False  # it changed something (a replayed or unchanged row writes nothing)

    @property
    def written(self) -> bool:
        return self.value is not None


class _RejectEverything(Exception):
    pass


def check_size(count: int) -> None:
    if count > MAX_ROWS:
        raise DomainError.single(
            "rows", ErrorCode.TOO_MANY_ROWS, f"at most {MAX_ROWS} rows a call ({count} given)"
        )
    if count == 0:
        raise DomainError.single("rows", ErrorCode.REQUIRED, "give at least one row")


async def run_rows(
    rows: Sequence[R],
    policy: ErrorPolicy,
    operation: Callable[[R], Awaitable[T]],
    order: Callable[[int], Any] | None = None,
) -> list[RowResult[T]]:
    """Results in the rows' order. `order` gives the processing order (rows of one customer
    keep their relative order): locking members in ascending id order keeps two bulk calls
    from deadlocking on each other."""
    check_size(len(rows))
    indexes = sorted(range(len(rows)), key=order) if order else list(range(len(rows)))
    results: dict[int, RowResult[T]] = {}
    try:
        async with in_transaction():
            for index in indexes:
                results[index] = await _one(index, rows[index], operation)
            if policy == ErrorPolicy.REJECT_EVERYTHING and any(r.errors for r in results.values()):
                raise _RejectEverything()
    except _RejectEverything:
        results = {i: RowResult(i, None, r.errors) for i, r in results.items()}
    ordered = [results[i] for i in range(len(rows))]
    if policy == ErrorPolicy.IGNORE_FAILED:
        for result in ordered:
            if result.errors:
                result.errors, result.skipped = [], True
    return ordered


async def _one(index: int, row: R, operation: Callable[[R], Awaitable[T]]) -> RowResult[T]:
    before = audit.rows_written()  # every write is audited: no new audit row, nothing written
    try:
        async with in_transaction():  # a savepoint: this row's writes alone roll back
            value = await operation(row)
            return RowResult(index, value, wrote=audit.rows_written() > before)
    except DomainError as exc:
        return RowResult(index, None, list(exc.errors))
    except IntegrityError:  # a concurrent writer took the same unique value meanwhile
        conflict = FieldError(None, ErrorCode.CONFLICT, "a concurrent change conflicts; retry")
        return RowResult(index, None, [conflict])
