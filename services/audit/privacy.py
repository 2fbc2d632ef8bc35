"""Audit rows about a customer in a data export (who did what to their data, when); an erasure
keeps them (the record of the erasure itself among them) without any personal value."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from tortoise.expressions import Q

from models import AuditEntry, Customer
from models.offers import Coupon
from models.surveys import SurveyInvitation, SurveyResponse
from models.tickets import Ticket
from services.audit.log import PERSONAL_KEYS, changed_fields
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, paged, section


async def _about(brand_id: int, customer_id: int) -> Q:
    """Rows whose target is the customer or one of their tickets, coupons or survey rows."""
    match = Q(target_type="Customer", target_id=str(customer_id))
    for model, target in (
        (Ticket, "Ticket"),
        (Coupon, "Coupon"),
        (SurveyResponse, "SurveyResponse"),
        (SurveyInvitation, "SurveyInvitation"),
    ):
        ids = await model.filter(brand_id=brand_id, customer_id=customer_id).values_list(
            "id", flat=True
        )
        if ids:
            match |= Q(target_type=target, target_id__in=[str(i) for i in ids])
    return match


@section("auditEntries", description="Changes made to the customer's records: who, when, what.")
async def _audit(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[AuditEntry]) -> list[dict[str, Any]]:
        return [
            {
                "operation": r.operation,
                "actor": f"{r.principal_kind}:{r.principal_id}",
                "targetType": r.target_type,
                "targetId": r.target_id,
                "changedFields": changed_fields(r),
                "requestId": r.request_id,
                "at": iso(r.created_at),
            }
            for r in rows
        ]

    query = AuditEntry.filter(await _about(brand_id, customer_id), brand_id=brand_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("audit")
async def _erase(actor: Actor, customer: Customer) -> None:
    """Rows written before the audit log held no personal values may: their personal keys go."""
    query = AuditEntry.filter(
        await _about(customer.brand_id, customer.id), brand_id=customer.brand_id
    )
    for row in await query:
        details = row.details or {}
        if PERSONAL_KEYS & set(details):
            row.details = {k: v for k, v in details.items() if k not in PERSONAL_KEYS}
            await row.save(update_fields=["details"])
