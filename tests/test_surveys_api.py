from __future__ import annotations

import asyncio
from typing import Any

from config import Settings
from models.surveys import SurveyInvitation, SurveyResponse
from models.tickets import Ticket
from resolvers.ids import from_global_id
from tests.support import GraphQL, app_token, create_customer, error_codes
from tests.survey_helpers import CREATE, SEND, answer, create_survey, invite
from tests.ticket_helpers import CONFIGURE, RESOLVE, move, open_ticket, setup_brand


async def test_create_send_and_answer(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token)
    assert [q["id"] for q in survey["questions"]] == ["q1", "q2", "q3"]
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]], channel="WECHAT")
    assert invitation["customerId"] == customer["id"] and len(invitation["token"]) >= 32
    form = await gql.data(
        "query($t: String!) { surveyForm(token: $t) { surveyName open questions { id text } } }",
        {"t": invitation["token"]},
    )
    assert form["surveyForm"]["open"] is True and len(form["surveyForm"]["questions"]) == 3
    payload = await answer(
        gql,
        invitation["token"],
        [
            {"questionId": "q1", "score": 9},
            {"questionId": "q2", "choices": ["mocha"]},
            {"questionId": "q3", "text": "  great  "},
        ],
    )
    assert payload["errors"] == []
    assert payload["response"]["npsScore"] == 9
    assert payload["response"]["followUpTicketId"] is None
    assert {a["questionId"]: a for a in payload["response"]["answers"]}["q3"]["text"] == "great"
    response = await SurveyResponse.get()
    assert response.channel == "WECHAT"


async def test_invalid_answers_name_the_question(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token)
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]])
    cases: list[tuple[list[dict[str, Any]], str]] = [
        ([{"questionId": "q1", "score": 11}], "answers.q1"),
        ([{"questionId": "q1", "score": -1}], "answers.q1"),
        ([{"questionId": "q2", "choices": ["tea"]}], "answers.q1"),  # q1 required, missing
        (
            [{"questionId": "q1", "score": 5}, {"questionId": "q2", "choices": ["tea"]}],
            "answers.q2",
        ),
        (
            [{"questionId": "q1", "score": 5}, {"questionId": "q2", "choices": ["latte", "mocha"]}],
            "answers.q2",
        ),
        ([{"questionId": "q1", "score": 5}, {"questionId": "q9", "text": "?"}], "answers.q9"),
        ([{"questionId": "q1", "score": 5}, {"questionId": "q1", "score": 6}], "answers.q1"),
    ]
    for answers, field in cases:
        payload = await answer(gql, invitation["token"], answers)
        assert payload["response"] is None
        assert payload["errors"][0]["code"] == "INVALID_ANSWER", answers
        assert payload["errors"][0]["field"] == field, answers
        assert field.split(".")[1] in payload["errors"][0]["message"]
    assert await SurveyResponse.all().count() == 0
    assert (await SurveyInvitation.get()).responded_at is None


async def test_reused_token_and_closed_survey(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token)
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]])
    ok = await answer(gql, invitation["token"], [{"questionId": "q1", "score": 10}])
    assert ok["errors"] == []
    again = await answer(gql, invitation["token"], [{"questionId": "q1", "score": 10}])
    assert [e["code"] for e in again["errors"]] == ["ALREADY_ANSWERED"]
    unknown = await answer(gql, "not-a-token", [{"questionId": "q1", "score": 10}])
    assert [e["code"] for e in unknown["errors"]] == ["NOT_FOUND"]

    [late] = await invite(gql, token, survey["id"], [customer["id"]])
    close = """mutation($id: ID!) { setSurveyStatus(input: {surveyId: $id, status: CLOSED}) {
      survey { status } errors { code } } }"""
    assert (await gql.data(close, {"id": survey["id"]}, token))["setSurveyStatus"]["survey"] == {
        "status": "CLOSED"
    }
    closed = await answer(gql, late["token"], [{"questionId": "q1", "score": 10}])
    assert [e["code"] for e in closed["errors"]] == ["SURVEY_CLOSED"]
    assert await SurveyResponse.all().count() == 1
    body = await gql.data(
        SEND, {"input": {"surveyId": survey["id"], "customerIds": [customer["id"]]}}, token
    )
    assert body["sendSurvey"]["errors"] == [{"field": "surveyId", "code": "SURVEY_CLOSED"}]
    reopen = await gql.data(close.replace("CLOSED", "ACTIVE"), {"id": survey["id"]}, token)
    assert reopen["setSurveyStatus"]["errors"] == [{"code": "INVALID_TRANSITION"}]


async def test_concurrent_submissions_exactly_one_wins(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token)
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]])
    results = await asyncio.gather(
        *[answer(gql, invitation["token"], [{"questionId": "q1", "score": s}]) for s in (3, 10)]
    )
    winners = [r for r in results if r["response"] is not None]
    assert len(winners) == 1
    assert [e["code"] for r in results for e in r["errors"]] == ["ALREADY_ANSWERED"]
    assert await SurveyResponse.all().count() == 1
    # at most one follow-up ticket: only the winning answer counts
    expected = 1 if winners[0]["response"]["npsScore"] == 3 else 0
    assert await Ticket.all().count() == expected


async def test_survey_definition_is_validated(gql: GraphQL, settings: Settings) -> None:
    _, token, _ = await setup_brand(gql, settings)
    values = {
        "name": " ",
        "kind": "NPS",
        "rewardPoints": -1,
        "status": "CLOSED",
        "questions": [
            {"kind": "SINGLE_CHOICE", "text": "Pick", "choices": ["a"]},
            {"kind": "TEXT", "text": "", "choices": ["x", "y"]},
        ],
    }
    payload = (await gql.data(CREATE, {"input": values}, token))["createSurvey"]
    fields = {e["field"] for e in payload["errors"]}
    assert fields == {"name", "status", "rewardPoints", "questions.q1", "questions.q2", "questions"}
    assert payload["survey"] is None


async def test_sending_checks_customers_and_brand(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings)
    _, other_token, stranger = await setup_brand(gql, settings, slug="other")
    survey = await create_survey(gql, token)
    body = await gql.data(
        SEND, {"input": {"surveyId": survey["id"], "customerIds": [stranger["id"]]}}, token
    )
    assert body["sendSurvey"]["errors"] == [{"field": "customerIds", "code": "NOT_FOUND"}]
    body = await gql.data(
        SEND, {"input": {"surveyId": survey["id"], "customerIds": [stranger["id"]]}}, other_token
    )
    assert body["sendSurvey"]["errors"] == [{"field": "surveyId", "code": "NOT_FOUND"}]
    draft = await create_survey(gql, token, status="DRAFT")
    body = await gql.data(
        SEND, {"input": {"surveyId": draft["id"], "customerIds": [customer["id"]]}}, token
    )
    assert body["sendSurvey"]["errors"][0]["code"] == "SURVEY_CLOSED"
    reader = await app_token(settings, brand, "surveys:read")
    assert error_codes(
        await gql.post(SEND, {"input": {"surveyId": survey["id"], "customerIds": []}}, reader)
    ) == ["FORBIDDEN"]
    assert await SurveyInvitation.all().count() == 0


async def test_detractor_opens_follow_up_and_resolution_sends_follow_up_survey(
    gql: GraphQL, settings: Settings
) -> None:
    _, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token)
    follow_up = await create_survey(
        gql,
        token,
        name="How did we do?",
        kind="CSAT",
        questions=[{"kind": "RATING", "text": "Rate the call"}],
    )
    config = await gql.data(
        CONFIGURE,
        {
            "input": {
                "followUpSurveyId": follow_up["id"],
                "categories": ["delivery", "NPS_FOLLOW_UP"],
            }
        },
        token,
    )
    assert config["configureTickets"]["errors"] == []
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]], channel="WECHAT")
    payload = await answer(gql, invitation["token"], [{"questionId": "q1", "score": 2}])
    ticket_id = payload["response"]["followUpTicketId"]
    assert ticket_id is not None
    ticket = await Ticket.get()
    assert ticket.source_response_id is not None and ticket.severity == "HIGH"
    assert ticket.channel == "WECHAT" and ticket.category == "NPS_FOLLOW_UP"

    await move(gql, token, ticket_id, "OPEN")
    resolved = await gql.data(RESOLVE, {"id": ticket_id, "rootCause": "training"}, token)
    assert resolved["resolveTicket"]["errors"] == []
    sent = await SurveyInvitation.filter(trigger="TICKET_RESOLVED")
    assert len(sent) == 1 and sent[0].ticket_id == ticket.id
    assert sent[0].customer_id == ticket.customer_id


async def test_brand_can_turn_the_detractor_loop_off(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings, detractorFollowUp=False)
    survey = await create_survey(gql, token)
    [invitation] = await invite(gql, token, survey["id"], [customer["id"]])
    payload = await answer(gql, invitation["token"], [{"questionId": "q1", "score": 0}])
    assert payload["errors"] == [] and payload["response"]["followUpTicketId"] is None
    assert await Ticket.all().count() == 0


async def test_automatic_survey_after_any_resolution(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    csat = await create_survey(
        gql, token, name="CSAT", kind="CSAT", questions=[{"kind": "RATING", "text": "Rate us"}]
    )
    await gql.data(CONFIGURE, {"input": {"resolutionSurveyId": csat["id"]}}, token)
    ticket = await open_ticket(gql, token, customer["id"])
    await move(gql, token, ticket["id"], "OPEN")
    await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "stock"}, token)
    [sent] = await SurveyInvitation.all()
    assert sent.trigger == "TICKET_RESOLVED"
    assert sent.survey_id == from_global_id(csat["id"])[1]
    assert await create_customer(gql, token, name="Unrelated")  # not invited
    assert await SurveyInvitation.all().count() == 1
