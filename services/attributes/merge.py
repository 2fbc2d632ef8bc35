"""Attribute values follow a customer merge: the target keeps its own and takes the source's
for the attributes it has none of."""

from __future__ import annotations

from models.attributes import CustomerAttributeValue
from models.customers import Customer
from services.common.actor import Actor


async def merge_values(actor: Actor, source: Customer, target: Customer) -> None:
    held = await CustomerAttributeValue.filter(customer_id=target.id).values_list(
        "attribute_id", flat=True
    )
    await CustomerAttributeValue.filter(customer_id=source.id, attribute_id__in=list(held)).delete()
    await CustomerAttributeValue.filter(customer_id=source.id).update(customer_id=target.id)


def register() -> None:
    from services.customers.customers import MERGE_HOOKS

    if merge_values not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_values)
