"""Uniqueness: a phone, email or external id another customer of the brand already has (for a
brand that encrypts contacts, found by their lookup hashes)."""

from __future__ import annotations

from typing import Any

from services.common.errors import DomainError, FieldError
from services.customers import creation


async def unique_errors(
    brand_id: int, values: dict[str, Any], exclude_id: int | None, sealed: bool
) -> list[FieldError]:
    """A phone or email another customer of the brand has."""
    phone, email = values.get("phone"), values.get("email")
    found = await creation.holders(brand_id, [phone], [email], [], sealed)
    return creation.duplicate_errors(found, values, {}, exclude_id)


async def external_id_errors(
    brand_id: int, ids: dict[str, str], exclude_id: int | None
) -> list[FieldError]:
    """An external id another customer of the brand holds."""
    found = await creation.holders(
        brand_id, [], [], list(ids.items()), False, external_holders=False
    )
    return creation.duplicate_errors(found, {}, ids, exclude_id)


async def check_unique(
    brand_id: int, values: dict[str, Any], exclude_id: int | None, sealed: bool
) -> None:
    errors = await unique_errors(brand_id, values, exclude_id, sealed)
    if errors:
        raise DomainError(errors)


async def check_external_ids(brand_id: int, ids: dict[str, str], exclude_id: int | None) -> None:
    errors = await external_id_errors(brand_id, ids, exclude_id)
    if errors:
        raise DomainError(errors)
