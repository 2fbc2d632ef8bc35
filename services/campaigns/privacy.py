"""Campaign memberships in a data export; an erased customer leaves the campaigns."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from models.campaigns import Campaign, CampaignMember
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, paged, section


@section("campaigns", description="Campaigns the customer was targeted by, and their arm.")
async def _campaigns(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[CampaignMember]) -> list[dict[str, Any]]:
        names = dict(
            await Campaign.filter(id__in=[r.campaign_id for r in rows]).values_list("id", "name")
        )
        return [{"campaign": names.get(r.campaign_id), "arm": r.arm} for r in rows]

    query = CampaignMember.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("campaigns")
async def _erase(actor: Actor, customer: Customer) -> None:
    await CampaignMember.filter(brand_id=customer.brand_id, customer_id=customer.id).delete()
