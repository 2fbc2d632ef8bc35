"""The dashboard's KPIs, computed from the brand's own data only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from config import Settings
from models import Brand
from models.tickets import Ticket
from services.analytics import dashboard
from tests.loyalty_support import AWARD, REDEEM, mutate, record
from tests.support import GraphQL
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import SET_SLA, open_ticket, setup_brand


async def test_every_kpi_is_computed_for_today(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings, detractorFollowUp=False)
    await setup_brand(gql, settings, slug="noise")  # another brand's data never counts
    cid = customer["id"]
    assert (await record(gql, token, customerId=cid, amount="120.50"))["errors"] == []
    assert (await record(gql, token, customerId=cid, amount="10"))["errors"] == []
    await mutate(gql, token, AWARD, "awardPoints", customerId=cid, points=30, reason="gift")
    await mutate(gql, token, REDEEM, "redeemPoints", customerId=cid, points=20, reason="mug")
    await gql.data(
        SET_SLA,
        {"input": {"severity": "NORMAL", "firstResponseMinutes": 10, "resolutionMinutes": 60}},
        token,
    )
    late = await open_ticket(gql, token, cid)
    await open_ticket(gql, token, cid)
    survey = await create_survey(gql, token)
    invitations = await invite(gql, token, survey["id"], [cid])
    await answer(gql, invitations[0]["token"], [{"questionId": "q1", "score": 10}])

    now = datetime.now(UTC)
    fresh = await Brand.get(id=brand.id)
    # the first ticket's first-response clock ran out a moment ago (still today, locally)
    since_midnight = now - dashboard.day_start(fresh, now)
    lapsed = now - min(timedelta(minutes=1), since_midnight / 2)
    first_id = min(t.id for t in await Ticket.filter(brand_id=brand.id))
    await Ticket.filter(id=first_id).update(first_response_due=lapsed)
    values = await dashboard.compute(fresh, now)
    assert values["new_members_today"] == 1
    assert values["purchases_today"] == 2
    assert values["revenue_today"] == "130.50"
    earned = values["points_issued_today"]
    assert earned is not None and earned >= 30  # purchases earn too, by the brand's rate
    assert values["points_redeemed_today"] == 20
    assert values["open_tickets"] == 2
    assert values["sla_breaches_today"] == 1
    assert values["nps_30_days"] == 100.0
    assert late["id"]
