"""Merging customers: the surviving customer takes over the appointments."""

from __future__ import annotations

from models import Customer
from models.appointments import Appointment
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS


async def merge_appointments(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction, both customers locked (same brand)."""
    await Appointment.filter(brand_id=target.brand_id, customer_id=source.id).update(
        customer_id=target.id
    )


def register() -> None:
    """Idempotent: registered once, however often this is imported."""
    if merge_appointments not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_appointments)
