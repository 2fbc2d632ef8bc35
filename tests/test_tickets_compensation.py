from __future__ import annotations

from config import Settings
from models import AuditEntry, Membership, PointsTransaction
from tests.support import GraphQL, app_token, error_codes
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import move, open_ticket, setup_brand

COMPENSATE = """
mutation($input: CompensateTicketInput!) { compensateTicket(input: $input) {
  ticket { id } pointsTransaction { amount source reason } errors { field code } } }
"""


async def test_compensation_goes_through_the_ledger_once(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    values = {"ticketId": ticket["id"], "points": 200, "reason": "late delivery"}
    first = (await gql.data(COMPENSATE, {"input": values}, token))["compensateTicket"]
    assert first["errors"] == []
    assert first["pointsTransaction"]["amount"] == 200
    assert first["pointsTransaction"]["source"] == "ticket"
    assert first["ticket"]["id"] == ticket["id"]
    retry = (await gql.data(COMPENSATE, {"input": values}, token))["compensateTicket"]
    assert retry["errors"] == []
    assert await PointsTransaction.filter(source="ticket").count() == 1
    tx = await PointsTransaction.get(source="ticket")
    assert (await Membership.get(customer_id=tx.customer_id)).available == 200
    assert await AuditEntry.filter(operation="compensateTicket").count() >= 1


async def test_compensation_validation_and_scope(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    bad = {"ticketId": ticket["id"], "points": 0, "reason": " "}
    payload = (await gql.data(COMPENSATE, {"input": bad}, token))["compensateTicket"]
    assert {e["field"] for e in payload["errors"]} == {"points", "reason"}
    agent = await app_token(settings, brand, "tickets:write")
    good = {"ticketId": ticket["id"], "points": 10, "reason": "sorry"}
    assert error_codes(await gql.post(COMPENSATE, {"input": good}, agent)) == ["FORBIDDEN"]
    await move(gql, token, ticket["id"], "OPEN")
    assert await PointsTransaction.all().count() == 0


async def test_answering_a_survey_can_award_points_once(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token, rewardPoints=50)
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]])
    assert (await answer(gql, invitation["token"], [{"questionId": "q1", "score": 9}]))[
        "errors"
    ] == []
    again = await answer(gql, invitation["token"], [{"questionId": "q1", "score": 9}])
    assert again["errors"][0]["code"] == "ALREADY_ANSWERED"
    [tx] = await PointsTransaction.filter(source="survey")
    assert tx.amount == 50
