"""Create or update: match a customer by the partner's external id, then by normalised phone
or email; never a silent second record.

- The external id (the calling partner system's id for the customer) names the customer it
  belongs to; a phone or email of the input held by someone else is then ambiguous.
- Without an external id match: the customer holding the phone, or the email, or both when
  they are the same customer. Two different customers: ambiguous.
- Ambiguous: POSSIBLE_DUPLICATE, one error per candidate (its id in `related_id`), nothing
  written. No match: a new customer. Else the match is updated with the fields given (an
  update that changes nothing writes nothing, so a retry is a no-op).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from models import Brand, Customer, CustomerExternalId
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, FieldError
from services.customers import customers
from services.customers.normalize import InvalidValue, normalize_email, normalize_phone
from services.privacy import sealing

CREATED, UPDATED = "CREATED", "UPDATED"


@dataclass(frozen=True)
class UpsertResult:
    customer: Customer
    outcome: str  # CREATED or UPDATED


@dataclass(frozen=True)
class UpsertInput:
    profile: dict[str, Any]  # the fields given (absent ones are left alone on update)
    external_id: tuple[str, str] | None = None  # (system, id): the calling partner's key
    external_ids: tuple[tuple[str, str], ...] = ()
    tags: tuple[str, ...] = ()
    attributes: tuple[tuple[str, Any], ...] = ()


def _normalised(brand: Brand, profile: dict[str, Any], key: str) -> str | None:
    raw = profile.get(key)
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        if key == "phone":
            return normalize_phone(raw, brand.phone_region)
        return normalize_email(raw)
    except InvalidValue:
        return None  # the create or update reports it


async def match(brand: Brand, given: UpsertInput) -> tuple[Customer | None, list[Customer]]:
    """(the customer to update or None to create, ambiguous candidates)."""
    by_id = None
    if given.external_id is not None:
        system, external_id = (part.strip() for part in given.external_id)
        holder = await CustomerExternalId.get_or_none(
            brand_id=brand.id, system=system, external_id=external_id
        )
        if holder is not None:
            by_id = await Customer.get_or_none(id=holder.customer_id, erased_at=None)
    found: dict[int, Customer] = {}
    sealed = await sealing.encrypts(brand.id)
    for key in ("phone", "email"):
        value = _normalised(brand, given.profile, key)
        if value is not None:
            lookup = sealing.lookup(key, value, sealed)
            row = await Customer.filter(lookup, brand_id=brand.id, erased_at=None).first()
            if row is not None:
                found[row.id] = row
    if by_id is not None:
        others = [c for c in found.values() if c.id != by_id.id]
        return (None, [by_id, *others]) if others else (by_id, [])
    if len(found) > 1:
        return None, sorted(found.values(), key=lambda c: c.id)
    return (next(iter(found.values())) if found else None), []


def _ambiguous(candidates: list[Customer]) -> DomainError:
    return DomainError(
        [
            FieldError(
                None,
                ErrorCode.POSSIBLE_DUPLICATE,
                f"matches customer {c.id} ({c.name}) too: several customers fit this input",
                related_id=str(c.id),
            )
            for c in candidates
        ]
    )


async def upsert_customer(
    actor: Actor, brand: Brand, given: UpsertInput, *, lenient_attributes: bool = False
) -> UpsertResult:
    """Audited as `upsertCustomer` (beside the create's or update's own row) when it wrote."""
    ids = list(given.external_ids)
    if given.external_id is not None and given.external_id[0] not in {s for s, _ in ids}:
        ids.append(given.external_id)
    for attempt in range(2):
        target, candidates = await match(brand, given)
        if candidates:
            raise _ambiguous(candidates)
        try:
            async with in_transaction():
                before = audit.rows_written()
                result = await _write(actor, brand, given, ids, target, lenient_attributes)
                if audit.rows_written() > before:  # an update that changes nothing wrote none
                    details = {"outcome": result.outcome}
                    await audit.record(
                        actor, "upsertCustomer", "Customer", result.customer.id, details
                    )
                return result
        except IntegrityError:
            if attempt:  # a concurrent twin created it: match again, once
                raise
    raise AssertionError("unreachable")


async def _write(
    actor: Actor,
    brand: Brand,
    given: UpsertInput,
    ids: list[tuple[str, str]],
    target: Customer | None,
    lenient_attributes: bool,
) -> UpsertResult:
    if target is None:
        created = await customers.create_customer(
            actor,
            brand,
            given.profile,
            list(given.tags),
            ids,
            list(given.attributes),
            lenient_attributes=lenient_attributes,
        )
        return UpsertResult(created, CREATED)
    updated = await customers.update_customer(
        actor,
        brand,
        target.id,
        given.profile,
        ids,
        list(given.attributes),
        add_tags=list(given.tags),
        skip_unchanged=True,
        lenient_attributes=lenient_attributes,
    )
    return UpsertResult(updated, UPDATED)
