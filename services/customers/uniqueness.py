"""Uniqueness: a phone, email or external id another customer of the brand already has (for a
brand that encrypts contacts, found by their lookup hashes)."""

from __future__ import annotations

from typing import Any

from models import Customer, CustomerExternalId
from services.common.errors import DomainError, ErrorCode, FieldError
from services.privacy import sealing


async def unique_errors(
    brand_id: int, values: dict[str, Any], exclude_id: int | None, sealed: bool
) -> list[FieldError]:
    """A phone or email another customer of the brand has."""
    errors: list[FieldError] = []
    for key in ("phone", "email"):
        if values.get(key) is None:
            continue
        query = Customer.filter(sealing.lookup(key, str(values[key]), sealed), brand_id=brand_id)
        if exclude_id is not None:
            query = query.exclude(id=exclude_id)
        existing = await query.first()
        if existing is not None:
            errors.append(
                FieldError(
                    key,
                    ErrorCode.DUPLICATE,
                    f"customer {existing.id} ({existing.name}) already has this {key}",
                    related_id=str(existing.id),
                )
            )
    return errors


async def external_id_errors(
    brand_id: int, ids: dict[str, str], exclude_id: int | None
) -> list[FieldError]:
    """An external id another customer of the brand holds."""
    errors: list[FieldError] = []
    for system, external_id in ids.items():
        query = CustomerExternalId.filter(brand_id=brand_id, system=system, external_id=external_id)
        if exclude_id is not None:
            query = query.exclude(customer_id=exclude_id)
        holder = await query.first()
        if holder is not None:
            errors.append(
                FieldError(
                    "externalIds",
                    ErrorCode.DUPLICATE,
                    f"customer {holder.customer_id} already has {system} id '{external_id}'",
                    related_id=str(holder.customer_id),
                )
            )
    return errors


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
