"""Merging customers moves the source's tracked events and visitor links to the target."""

from __future__ import annotations

from models import Customer
from models.analytics import TrackedEvent, VisitorIdentity
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS


async def merge_behaviour(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction, both customers locked."""
    await TrackedEvent.filter(brand_id=actor.brand_id, customer_id=source.id).update(
        customer_id=target.id
    )
    await VisitorIdentity.filter(brand_id=actor.brand_id, customer_id=source.id).update(
        customer_id=target.id
    )


def register() -> None:
    """Idempotent: customers' merge moves tracked behaviour once this has run."""
    if merge_behaviour not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_behaviour)
