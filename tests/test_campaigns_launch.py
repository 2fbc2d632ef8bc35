"""Launch under concurrency (PostgreSQL: really overlapping transactions), and customer merges."""

from __future__ import annotations

from config import Settings
from models import AuditEntry, Customer
from models.campaigns import CampaignMember
from models.events import OutboxEvent
from models.offers import Coupon
from resolvers.ids import from_global_id, to_global_id
from tests.campaign_helpers import city_segment, create_campaign, launch, residents, stats
from tests.concurrency import concurrently_behind_a_lock
from tests.offer_helpers import create_offer
from tests.support import GraphQL, app_token, make_brand

MERGE = """mutation($s: ID!, $t: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $t}) {
  customer { id } errors { code } } }"""


async def test_concurrent_launches_issue_once(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    await residents(brand, "Shanghai", 200)
    offer = await create_offer(gql, token)
    created = await create_campaign(
        gql, token, segmentId=await city_segment(gql, token, "Shanghai"), offerIds=[offer["id"]]
    )
    campaign_id = created["campaign"]["id"]
    pk = from_global_id(campaign_id)[1]
    launches = [launch(gql, token, campaign_id) for _ in range(5)]
    results = await concurrently_behind_a_lock(pk, launches, table="campaigns")
    assert all(r["errors"] == [] and r["campaign"]["status"] == "LAUNCHED" for r in results)
    assert await CampaignMember.filter(campaign_id=pk).count() == 200
    assert await CampaignMember.filter(campaign_id=pk, arm="HOLDOUT").count() == 20
    assert await Coupon.all().count() == 180
    assert await OutboxEvent.filter(type="campaign.launched").count() == 1
    assert await AuditEntry.filter(operation="launchCampaign").count() == 1


async def test_merge_keeps_the_survivor_in_the_campaign(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    ids = await residents(brand, "Shanghai", 20)
    offer = await create_offer(gql, token)
    created = await create_campaign(
        gql,
        token,
        segmentId=await city_segment(gql, token, "Shanghai"),
        offerIds=[offer["id"]],
        holdoutPercent="50",
    )
    campaign_id = created["campaign"]["id"]
    await launch(gql, token, campaign_id)
    pk = from_global_id(campaign_id)[1]
    arms = dict(await CampaignMember.filter(campaign_id=pk).values_list("customer_id", "arm"))
    treated = [i for i in ids if arms[i] == "TREATED"]
    holdout = [i for i in ids if arms[i] == "HOLDOUT"]
    outsider = await Customer.create(brand_id=brand.id, name="Out", city="Beijing")

    async def merge(source: int, target: int) -> None:
        variables = {"s": to_global_id("Customer", source), "t": to_global_id("Customer", target)}
        body = await gql.data(MERGE, variables, token)
        assert body["mergeCustomers"]["errors"] == []

    # a treated member merged into a non-member: the survivor takes the place and the arm
    await merge(treated[0], outsider.id)
    assert (await CampaignMember.get(campaign_id=pk, customer_id=outsider.id)).arm == "TREATED"
    # a treated member merged into a holdout member: the survivor stays in the holdout
    await merge(treated[1], holdout[0])
    assert (await CampaignMember.get(campaign_id=pk, customer_id=holdout[0])).arm == "HOLDOUT"
    s = (await stats(gql, token, campaign_id) or {})["stats"]
    assert (s["targeted"], s["treated"], s["holdout"]) == (19, 9, 10)
    assert s["issued"] == 10  # coupons follow their holders; the issuance is unchanged
