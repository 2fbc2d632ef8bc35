"""Erasing a customer on request (`deleteCustomer`), documented against the export
(docs/privacy.md): every domain's erasure hook anonymises or deletes its personal data, then the
profile is anonymised and marked erased. What accounting needs stays: purchases with their
amounts and items, the points ledger's amounts, balances, coupons and their discounts, ticket
and survey figures; an export of the erased customer shows exactly that, without a personal
field. The erased customer is gone for the API: lists, `customer(id)`, segments, tokens.
"""

from __future__ import annotations

from datetime import UTC, datetime

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Customer
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode
from services.privacy import registry

ERASED_NAME = "Erased customer"
ANONYMISED = {
    "name": ERASED_NAME,
    "phone": None,
    "email": None,
    "phone_hash": None,
    "email_hash": None,
    "gender": "UNKNOWN",
    "birthday": None,
    "city": None,
    "region": None,
    "address": None,
    "acquisition_channel": None,
    "marketing_consent": False,
}


async def erase_customer(actor: Actor, customer_id: int) -> Customer:
    registry.load_domains()
    async with in_transaction():
        customer = await Customer.select_for_update().get_or_none(
            brand_id=actor.brand_id, id=customer_id, erased_at=None
        )
        if customer is None:
            raise DomainError.single("id", ErrorCode.NOT_FOUND, "customer not found")
        for hook in registry.ERASERS.values():
            await hook(actor, customer)
        for key, value in ANONYMISED.items():
            setattr(customer, key, value)
        customer.erased_at = datetime.now(UTC)
        await customer.save()
        details = {"fields": sorted(ANONYMISED), "domains": sorted(registry.ERASERS)}
        await audit.record(actor, "deleteCustomer", "Customer", customer.id, details)
        await emit(
            actor, "customer.deleted", customer_id=customer.id, subject=("Customer", customer.id)
        )
    return customer
