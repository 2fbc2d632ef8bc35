"""Dry runs: the real operation, in a transaction that is rolled back.

The operation runs exactly as it would (the same validation, locks, rules and writes), and
whatever it answers is read inside that transaction; then everything is rolled back: its rows,
its audit row, and its outbox events, so no subscriber, webhook or analytics job ever sees them.
The relay is not even woken (events.wakeup.rolled_back).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from tortoise.transactions import in_transaction

from events.wakeup import rolled_back

T = TypeVar("T")


class _RollBack(Exception):
    pass


async def dry_run(operation: Callable[[], Awaitable[T]]) -> T:
    """The answer of `operation()`, with nothing it wrote kept. A DomainError it raises (its
    validation) propagates as it would without the dry run."""
    answer: list[T] = []
    token = rolled_back.set(True)
    try:
        async with in_transaction():
            answer.append(await operation())
            raise _RollBack
    except _RollBack:
        return answer[0]
    finally:
        rolled_back.reset(token)
