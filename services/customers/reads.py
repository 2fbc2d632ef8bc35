"""Reads of customers and what hangs off them for the request's DataLoaders: one statement per
brand and batch of customer ids."""

from __future__ import annotations

from models import AuditEntry, Customer, CustomerExternalId, CustomerNote, CustomerTag
from services.common.recent import newest_per_group

# a customer's history: audit rows about the customer, notes excluded (they have their own list)
_HISTORY = "AND target_type = 'Customer' AND operation <> 'addCustomerNote'"


async def tags_of(brand_id: int, customer_ids: list[int]) -> list[CustomerTag]:
    return await CustomerTag.filter(brand_id=brand_id, customer_id__in=customer_ids).order_by("tag")


async def external_ids_of(brand_id: int, customer_ids: list[int]) -> list[CustomerExternalId]:
    query = CustomerExternalId.filter(brand_id=brand_id, customer_id__in=customer_ids)
    return await query.order_by("system")


async def newest_notes(brand_id: int, customer_ids: list[int], limit: int) -> list[CustomerNote]:
    query = newest_per_group(CustomerNote, "customer_id", brand_id, customer_ids, limit)
    return await query.order_by("-created_at", "-id")


async def newest_history(brand_id: int, customer_ids: list[int], limit: int) -> list[AuditEntry]:
    query = newest_per_group(
        AuditEntry, "target_id", brand_id, customer_ids, limit, _HISTORY, text_column=True
    )
    return await query.order_by("-created_at", "-id")


async def live_customers(brand_id: int, customer_ids: list[int]) -> list[Customer]:
    """The customers not erased."""
    return await Customer.filter(brand_id=brand_id, id__in=customer_ids, erased_at=None)


async def customer_in_brand(brand_id: int, customer_id: int) -> Customer | None:
    return await Customer.get_or_none(brand_id=brand_id, id=customer_id)


async def customers_by_id(brand_id: int, customer_ids: list[int]) -> list[Customer]:
    return await Customer.filter(brand_id=brand_id, id__in=customer_ids)
