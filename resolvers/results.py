from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from resolvers.ids import BadGlobalId, decode_id
from services.common.db_errors import input_errors
from services.common.errors import DomainError, ErrorCode, FieldError

T = TypeVar("T")


@dataclass(frozen=True)
class MutationResult(Generic[T]):
    value: T | None = None
    errors: list[FieldError] = field(default_factory=list)


async def run(operation: Awaitable[T]) -> MutationResult[T]:
    """Await a service call; a DomainError (its transaction rolled back) becomes payload errors,
    and so does the database's refusal of the client's values (services.common.db_errors)."""
    try:
        return MutationResult(value=await operation)
    except DomainError as exc:
        return MutationResult(errors=exc.errors)
    except Exception as exc:
        errors = input_errors(exc)
        if errors is None:
            raise
        return MutationResult(errors=errors)


def decode_or_error(global_id: str, expected_type: str, field_name: str) -> int:
    try:
        return decode_id(global_id, expected_type)
    except BadGlobalId as exc:
        raise DomainError.single(field_name, ErrorCode.INVALID, str(exc)) from exc
