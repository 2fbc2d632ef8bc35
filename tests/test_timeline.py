"""The customer timeline: every kind of record with a readable summary, newest first."""

from __future__ import annotations

from config import Settings
from models.offers import Coupon
from tests.loyalty_support import record
from tests.offer_helpers import create_offer, issue, redeem
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import OPEN, RESOLVE, TRANSITION

TIMELINE = """query($id: ID!) { customer(id: $id) { timeline(first: 50) {
  kind summary actor occurredAt } } }"""


async def test_every_kind_of_record_reads_as_a_sentence(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    await gql.data(
        'mutation { configureTickets(input: {categories: ["delivery"], rootCauses: ["courier"]})'
        " { errors { code } } }",
        token=token,
    )
    li = await create_customer(gql, token, name="Li")
    await gql.data(
        """mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "Oat milk"}) {
             errors { code } } }""",
        {"id": li["id"]},
        token,
    )
    opened = await gql.data(
        OPEN,
        {
            "input": {
                "customerId": li["id"],
                "channel": "APP",
                "category": "delivery",
                "severity": "HIGH",
                "subject": "Cold coffee",
                "description": "Late",
            }
        },
        token,
    )
    ticket = opened["openTicket"]["ticket"]["id"]
    await gql.data(TRANSITION, {"id": ticket, "to": "OPEN"}, token)
    await gql.data(RESOLVE, {"id": ticket, "rootCause": "courier"}, token)
    survey = await create_survey(gql, token)
    (invitation,) = await invite(gql, token, survey["id"], [li["id"]])
    await answer(gql, invitation["token"], [{"questionId": "q1", "score": 9}])
    purchase = (await record(gql, token, customerId=li["id"], amount="80"))["purchase"]["id"]
    offer = await create_offer(gql, token, title="Ten off")
    await issue(gql, token, offer["id"], "k", customerIds=[li["id"]])
    code = (await Coupon.get()).code
    await redeem(gql, token, code, purchase)
    entries = (await gql.data(TIMELINE, {"id": li["id"]}, token))["customer"]["timeline"]
    by_kind = {e["kind"]: e["summary"] for e in entries}
    assert by_kind["NOTE"] == "Oat milk"
    assert by_kind["TICKET_OPENED"].endswith("opened (HIGH, delivery): Cold coffee")
    assert by_kind["TICKET_RESOLVED"].endswith("resolved: refunded (root cause: courier)")
    assert by_kind["SURVEY_ANSWERED"] == "Answered the NPS survey 'Quarterly NPS' (NPS 9)"
    assert by_kind["COUPON_ISSUED"] == "Coupon 'Ten off' issued"
    assert by_kind["COUPON_REDEEMED"].startswith("Coupon 'Ten off' redeemed on purchase #")
    assert by_kind["COUPON_REDEEMED"].endswith("(10.00 off)")
    assert by_kind["TIER_CHANGED"].startswith("Tier none → Regular")
    assert by_kind["recordPurchase"].endswith("of 80.00: 80 points")
    assert by_kind["createCustomer"] == "Profile created"
    times = [e["occurredAt"] for e in entries]
    assert times == sorted(times, reverse=True)
    assert entries[0]["kind"] in ("COUPON_REDEEMED", "redeemCoupon")
