"""Helpers for the campaign tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models import Brand, Customer
from tests.support import GraphQL

CAMPAIGN_FIELDS = """id name status holdoutPercent startsAt endsAt launchedAt
  segment { id name } offers { id title }"""
CREATE = f"""
mutation($input: CreateCampaignInput!) {{ createCampaign(input: $input) {{
  campaign {{ {CAMPAIGN_FIELDS} }} errors {{ field code message }} }} }}
"""
LAUNCH = f"""
mutation($input: LaunchCampaignInput!) {{ launchCampaign(input: $input) {{
  campaign {{ {CAMPAIGN_FIELDS} }} errors {{ field code message }} }} }}
"""
STATS = """
query($id: ID!) { campaign(id: $id) { id status stats {
  targeted treated holdout issued redeemed redemptionRate participants participationRate
  treatedRevenue holdoutRevenue treatedRevenuePerCustomer holdoutRevenuePerCustomer
  treatedRevenuePerCustomerBefore holdoutRevenuePerCustomerBefore
  uplift { absolute percent confidenceLow confidenceHigh percentConfidenceLow
    percentConfidenceHigh significant }
  incrementalRevenue discountCost pointsSpent returnOnCost windowStart windowEnd } } }
"""
CREATE_SEGMENT = """
mutation($input: CreateSegmentInput!) { createSegment(input: $input) {
  segment { id } errors { field code message } } }
"""
NOW = datetime.now(UTC)


def iso(days: float) -> str:
    """A time `days` from now (negative: in the past), as the API takes it."""
    return (NOW + timedelta(days=days)).isoformat()


async def city_segment(gql: GraphQL, token: str, city: str, name: str = "") -> str:
    rule = {"city": {"in": [city]}}
    body = await gql.data(CREATE_SEGMENT, {"input": {"name": name or city, "rule": rule}}, token)
    assert body["createSegment"]["errors"] == [], body["createSegment"]["errors"]
    segment_id: str = body["createSegment"]["segment"]["id"]
    return segment_id


async def residents(brand: Brand, city: str, count: int) -> list[int]:
    """`count` customers of the city, written in one INSERT; their ids ascending."""
    await Customer.bulk_create(
        [Customer(brand_id=brand.id, name=f"{city} {i}", city=city) for i in range(count)]
    )
    found = await Customer.filter(brand_id=brand.id, city=city).order_by("id").only("id")
    return [c.id for c in found]


async def create_campaign(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("name", "Spring")
    fields.setdefault("startsAt", iso(-1))
    fields.setdefault("endsAt", iso(30))
    fields.setdefault("holdoutPercent", "10")
    body = await gql.data(CREATE, {"input": fields}, token)
    result: dict[str, Any] = body["createCampaign"]
    return result


async def launch(gql: GraphQL, token: str, campaign_id: str) -> dict[str, Any]:
    body = await gql.data(LAUNCH, {"input": {"campaignId": campaign_id}}, token)
    result: dict[str, Any] = body["launchCampaign"]
    return result


async def stats(gql: GraphQL, token: str, campaign_id: str) -> dict[str, Any] | None:
    body = await gql.data(STATS, {"id": campaign_id}, token)
    found: dict[str, Any] | None = body["campaign"]
    return found
