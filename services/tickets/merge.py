"""Merging customers: the surviving customer takes over tickets and survey answers."""

from __future__ import annotations

from models import Customer
from models.surveys import SurveyInvitation, SurveyResponse
from models.tickets import Ticket
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS


async def merge_service(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction, both customers locked (same brand)."""
    brand_id = target.brand_id
    await Ticket.filter(brand_id=brand_id, customer_id=source.id).update(customer_id=target.id)
    await SurveyInvitation.filter(brand_id=brand_id, customer_id=source.id).update(
        customer_id=target.id
    )
    await SurveyResponse.filter(brand_id=brand_id, customer_id=source.id).update(
        customer_id=target.id
    )


def register() -> None:
    """Idempotent: customers' merge moves tickets, invitations and responses once this has run."""
    if merge_service not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_service)
