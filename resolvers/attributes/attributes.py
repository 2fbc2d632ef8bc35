"""Custom attributes: define and list them, a customer's values (PII masked), filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from auth.context import Context
from auth.scopes import Scope
from resolvers.errors import bad_input
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from resolvers.results import MutationResult, run
from services.attributes import definitions, values
from services.attributes.filters import AttributeCondition, clean_conditions
from services.common.errors import ErrorCollector

if TYPE_CHECKING:
    from models import Customer
    from models.attributes import CustomerAttribute


@dataclass(frozen=True)
class ShownValue:
    attribute: CustomerAttribute
    value: Any  # plain JSON; None when masked
    masked: bool


async def define(
    context: Context, input_values: dict[str, Any]
) -> MutationResult[CustomerAttribute]:
    return await run(definitions.define_attribute(context.actor, input_values))


async def listing(context: Context) -> list[CustomerAttribute]:
    return await definitions.list_attributes(context.require_brand().id)


async def _values(keys: Sequence[BrandKey]) -> list[list[tuple[CustomerAttribute, Any]]]:
    found: dict[BrandKey, list[tuple[CustomerAttribute, Any]]] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for customer_id, pairs in (await values.values_for(brand_id, ids)).items():
            found[(brand_id, customer_id)] = pairs
    return [found.get(key, []) for key in keys]


def _sees_pii(context: Context, customer: Customer) -> bool:
    principal = context.principal
    if principal is None:
        return False
    if principal.has(Scope.PII_READ.value):
        return True
    return principal.kind == "customer" and principal.subject_id == customer.id


async def of_customer(context: Context, customer: Customer) -> list[ShownValue]:
    loader = get_loader(context, "customer_attributes", _values)
    pairs = await loader.load((customer.brand_id, customer.id))
    unmasked = _sees_pii(context, customer)
    return [
        ShownValue(
            a, values.plain(v) if unmasked or not a.is_pii else None, a.is_pii and not unmasked
        )
        for a, v in pairs
    ]


async def conditions(context: Context, raw: list[dict[str, Any]]) -> list[AttributeCondition]:
    """Filter conditions checked against the brand's definitions; a problem is a top-level
    BAD_USER_INPUT naming the key. Filtering on a PII attribute needs pii:read (else the filter
    would reveal the values it masks)."""
    if not raw:
        return []
    brand = context.require_brand()
    errors = ErrorCollector()
    found = clean_conditions(await values.definitions(brand.id), raw, errors, "attributes")
    if errors.errors:
        raise bad_input("; ".join(f"{e.field}: {e.message}" for e in errors.errors))
    principal = context.principal
    hidden = [c.attribute.key for c in found if c.attribute.is_pii]
    if hidden and (principal is None or not principal.has(Scope.PII_READ.value)):
        raise bad_input(f"filtering on personal-data attributes {hidden} needs scope pii:read")
    return found
