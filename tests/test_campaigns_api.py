"""Campaigns through the API: create, launch (snapshot, holdout, coupons), isolation, bad input."""

from __future__ import annotations

from decimal import Decimal

from config import Settings
from models import AuditEntry
from models.campaigns import Campaign, CampaignMember
from models.events import OutboxEvent
from models.offers import Coupon
from resolvers.ids import from_global_id
from services.campaigns.campaigns import choose_holdout
from tests.campaign_helpers import (
    city_segment,
    create_campaign,
    iso,
    launch,
    residents,
    stats,
)
from tests.offer_helpers import create_offer
from tests.support import GraphQL, app_token, error_codes, make_brand

CAMPAIGNS = """
query($first: Int, $after: String) { campaigns(first: $first, after: $after) {
  edges { node { id name status } } pageInfo { hasNextPage endCursor } totalCount } }
"""


def _pk(global_id: str) -> int:
    return from_global_id(global_id)[1]


def _errors(payload: dict[str, object]) -> list[tuple[object, object]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]  # type: ignore[attr-defined,index]


async def test_launch_holds_out_a_reproducible_share_and_issues_once(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    ids = await residents(brand, "Shanghai", 1000)
    await residents(brand, "Beijing", 5)  # outside the segment
    segment = await city_segment(gql, token, "Shanghai")
    coffee = await create_offer(gql, token, title="Coffee 10 off")
    cake = await create_offer(gql, token, kind="GIFT", title="Cake")
    created = await create_campaign(
        gql, token, segmentId=segment, offerIds=[coffee["id"], cake["id"]], holdoutPercent="10"
    )
    assert created["errors"] == []
    campaign = created["campaign"]
    assert campaign["status"] == "DRAFT" and campaign["launchedAt"] is None
    assert [o["title"] for o in campaign["offers"]] == ["Coffee 10 off", "Cake"]
    assert campaign["segment"]["id"] == segment
    draft = await stats(gql, token, campaign["id"])
    assert draft is not None and draft["stats"] is None  # nothing to measure before launch
    assert await Coupon.all().count() == 0

    launched = await launch(gql, token, campaign["id"])
    assert launched["errors"] == []
    assert launched["campaign"]["status"] == "LAUNCHED"
    assert launched["campaign"]["launchedAt"] is not None

    row = await Campaign.get(id=_pk(campaign["id"]))
    holdout = await CampaignMember.filter(campaign_id=row.id, arm="HOLDOUT").values_list(
        "customer_id", flat=True
    )
    treated = await CampaignMember.filter(campaign_id=row.id, arm="TREATED").values_list(
        "customer_id", flat=True
    )
    assert len(holdout) == 100 and len(treated) == 900  # exactly the share
    assert set(holdout) | set(treated) == set(ids)
    # reproducible: the seed stored on the campaign gives the same split again
    assert sorted(holdout) == choose_holdout(row.seed, ids, Decimal(10))
    # the holdout gets nothing; each treated member one coupon of each offer
    assert await Coupon.filter(customer_id__in=list(holdout)).count() == 0
    assert await Coupon.filter(customer_id__in=list(treated)).count() == 1800
    assert await Coupon.all().count() == 1800

    found = await stats(gql, token, campaign["id"])
    assert found is not None
    s = found["stats"]
    assert (s["targeted"], s["treated"], s["holdout"]) == (1000, 900, 100)
    assert (s["issued"], s["redeemed"], s["participants"]) == (1800, 0, 0)
    assert s["redemptionRate"] == 0.0 and s["returnOnCost"] is None

    # launching again (a retry, a double click) changes nothing
    again = await launch(gql, token, campaign["id"])
    assert again["errors"] == [] and again["campaign"]["status"] == "LAUNCHED"
    assert await Coupon.all().count() == 1800
    assert await CampaignMember.filter(campaign_id=row.id).count() == 1000
    assert await OutboxEvent.filter(type="campaign.launched").count() == 1
    assert await OutboxEvent.filter(type="coupon.issued").count() == 1800
    assert await AuditEntry.filter(operation="launchCampaign").count() == 1
    assert await AuditEntry.filter(operation="createCampaign").count() == 1

    # a second campaign on the same segment draws its own holdout
    other = await create_campaign(
        gql, token, name="Summer", segmentId=segment, offerIds=[cake["id"]], holdoutPercent="10"
    )
    assert (await launch(gql, token, other["campaign"]["id"]))["errors"] == []
    other_holdout = await CampaignMember.filter(
        campaign_id=_pk(other["campaign"]["id"]), arm="HOLDOUT"
    ).values_list("customer_id", flat=True)
    assert len(other_holdout) == 100 and set(other_holdout) != set(holdout)


async def test_zero_holdout_and_empty_segment(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    await residents(brand, "Hangzhou", 7)
    offer = await create_offer(gql, token)
    everyone = await create_campaign(
        gql,
        token,
        segmentId=await city_segment(gql, token, "Hangzhou"),
        offerIds=[offer["id"]],
        holdoutPercent="0",
    )
    await launch(gql, token, everyone["campaign"]["id"])
    s = (await stats(gql, token, everyone["campaign"]["id"]) or {})["stats"]
    assert (s["targeted"], s["holdout"], s["issued"]) == (7, 0, 7)
    assert s["uplift"]["absolute"] is None  # no holdout: nothing to compare with

    nobody = await create_campaign(
        gql,
        token,
        name="Nobody",
        segmentId=await city_segment(gql, token, "Atlantis"),
        offerIds=[offer["id"]],
        holdoutPercent="10",
    )
    launched = await launch(gql, token, nobody["campaign"]["id"])
    assert launched["errors"] == []
    s = (await stats(gql, token, nobody["campaign"]["id"]) or {})["stats"]
    assert (s["targeted"], s["issued"], s["redemptionRate"]) == (0, 0, None)


async def test_bad_input_writes_nothing(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    other_token = await app_token(settings, await make_brand("globex"))
    segment = await city_segment(gql, token, "Shanghai")
    offer = await create_offer(gql, token)
    foreign_segment = await city_segment(gql, other_token, "Shanghai")
    foreign_offer = await create_offer(gql, other_token)
    auto = await create_offer(
        gql, token, kind="POINTS_MULTIPLIER", title="Double", multiplier="2", automatic=True
    )
    base = {"segmentId": segment, "offerIds": [offer["id"]]}

    reversed_window = await create_campaign(gql, token, **base, startsAt=iso(5), endsAt=iso(1))
    assert _errors(reversed_window) == [("endsAt", "INVALID")]
    over = await create_campaign(
        gql, token, **base, startsAt=iso(-9), endsAt=iso(-1), holdoutPercent="60"
    )
    assert _errors(over) == [("endsAt", "INVALID"), ("holdoutPercent", "INVALID")]
    negative = await create_campaign(gql, token, **base, holdoutPercent="-1")
    assert _errors(negative) == [("holdoutPercent", "INVALID")]
    fine_grained = await create_campaign(gql, token, **base, holdoutPercent="10.005")
    assert _errors(fine_grained) == [("holdoutPercent", "INVALID")]
    no_name = await create_campaign(gql, token, **base, name="  ")
    assert _errors(no_name) == [("name", "REQUIRED")]
    no_offers = await create_campaign(gql, token, segmentId=segment, offerIds=[])
    assert _errors(no_offers) == [("offerIds", "INVALID")]
    twice = await create_campaign(gql, token, segmentId=segment, offerIds=[offer["id"]] * 2)
    assert _errors(twice) == [("offerIds", "INVALID")]
    # another brand's segment and offer are simply not found
    theirs = await create_campaign(
        gql, token, segmentId=foreign_segment, offerIds=[foreign_offer["id"]]
    )
    assert _errors(theirs) == [("segmentId", "NOT_FOUND"), ("offerIds", "NOT_FOUND")]
    mixed = await create_campaign(
        gql, token, segmentId=segment, offerIds=[offer["id"], foreign_offer["id"]]
    )
    assert _errors(mixed) == [("offerIds", "NOT_FOUND")]
    wrong_type = await create_campaign(gql, token, segmentId=offer["id"], offerIds=[offer["id"]])
    assert _errors(wrong_type) == [("segmentId", "INVALID")]
    automatic = await create_campaign(gql, token, segmentId=segment, offerIds=[auto["id"]])
    assert _errors(automatic) == [("offerIds", "INVALID")]
    assert await Campaign.all().count() == 0
    assert await AuditEntry.filter(operation="createCampaign").count() == 0

    assert (await create_campaign(gql, token, **base))["errors"] == []
    duplicate = await create_campaign(gql, token, **base)
    assert _errors(duplicate) == [("name", "DUPLICATE")]
    assert await Campaign.all().count() == 1


async def test_brand_isolation_and_scopes(gql: GraphQL, settings: Settings) -> None:
    acme = await make_brand("acme")
    token = await app_token(settings, acme)
    await residents(acme, "Shanghai", 3)
    offer = await create_offer(gql, token)
    created = await create_campaign(
        gql, token, segmentId=await city_segment(gql, token, "Shanghai"), offerIds=[offer["id"]]
    )
    campaign_id = created["campaign"]["id"]

    globex = await make_brand("globex")
    theirs = await app_token(settings, globex)
    assert (await stats(gql, theirs, campaign_id)) is None
    listing = await gql.data(CAMPAIGNS, {"first": 10}, theirs)
    assert listing["campaigns"]["edges"] == [] and listing["campaigns"]["totalCount"] == 0
    node = await gql.data("query($id: ID!) { node(id: $id) { id } }", {"id": campaign_id}, theirs)
    assert node["node"] is None
    foreign_launch = await launch(gql, theirs, campaign_id)
    assert _errors(foreign_launch) == [("campaignId", "NOT_FOUND")]
    assert await Coupon.all().count() == 0

    reader = await app_token(settings, acme, "offers:read")
    body = await gql.post(
        "mutation($input: LaunchCampaignInput!) { launchCampaign(input: $input) { errors"
        " { code } } }",
        {"input": {"campaignId": campaign_id}},
        reader,
    )
    assert error_codes(body) == ["FORBIDDEN"]
    assert (await stats(gql, reader, campaign_id) or {})["status"] == "DRAFT"
    no_scope = await app_token(settings, acme, "customers:read")
    assert error_codes(await gql.post(CAMPAIGNS, {"first": 5}, no_scope)) == ["FORBIDDEN"]
    node_body = await gql.data(
        "query($id: ID!) { node(id: $id) { ... on Campaign { name } } }", {"id": campaign_id}, token
    )
    assert node_body["node"] == {"name": "Spring"}


async def test_listing_pages_newest_first(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    segment = await city_segment(gql, token, "Shanghai")
    offer = await create_offer(gql, token)
    for name in ("One", "Two", "Three"):
        result = await create_campaign(
            gql, token, name=name, segmentId=segment, offerIds=[offer["id"]]
        )
        assert result["errors"] == []
    first = (await gql.data(CAMPAIGNS, {"first": 2}, token))["campaigns"]
    assert [e["node"]["name"] for e in first["edges"]] == ["Three", "Two"]
    assert first["pageInfo"]["hasNextPage"] is True and first["totalCount"] == 3
    after = first["pageInfo"]["endCursor"]
    rest = (await gql.data(CAMPAIGNS, {"first": 2, "after": after}, token))["campaigns"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["One"]


async def test_a_finished_window_cannot_launch(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("acme")
    token = await app_token(settings, brand)
    offer = await create_offer(gql, token)
    created = await create_campaign(
        gql, token, segmentId=await city_segment(gql, token, "Shanghai"), offerIds=[offer["id"]]
    )
    row = await Campaign.get(id=_pk(created["campaign"]["id"]))
    row.ends_at = row.starts_at  # as if the window had passed while it sat in DRAFT
    await row.save(update_fields=["ends_at"])
    result = await launch(gql, token, created["campaign"]["id"])
    assert _errors(result) == [("campaignId", "CAMPAIGN_ENDED")]
    assert (await Campaign.get(id=row.id)).status == "DRAFT"
