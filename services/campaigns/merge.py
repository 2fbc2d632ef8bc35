"""Merging customers keeps the survivor in the campaigns the merged-away customer was in."""

from __future__ import annotations

from models import Customer
from models.campaigns import CampaignMember
from services.common.actor import Actor
from services.customers.customers import MERGE_HOOKS


async def merge_members(actor: Actor, source: Customer, target: Customer) -> None:
    """Runs inside merge_customers' transaction. Where both were members the target keeps its
    own arm; the source's other memberships (and arms) pass to the target, who now holds the
    source's purchases and coupons."""
    both = await CampaignMember.filter(customer_id=target.id).values_list("campaign_id", flat=True)
    await (
        CampaignMember.filter(customer_id=source.id)
        .exclude(campaign_id__in=list(both))
        .update(customer_id=target.id)
    )
    await CampaignMember.filter(customer_id=source.id).delete()


def register() -> None:
    """Idempotent: customers' merge moves campaign memberships once this has run."""
    if merge_members not in MERGE_HOOKS:
        MERGE_HOOKS.append(merge_members)
