from __future__ import annotations

from datetime import UTC, datetime

import pytest

from config import Settings
from models.surveys import SurveyResponse
from services.common.errors import DomainError
from services.surveys.answers import validate_answers
from services.surveys.nps import classify, summarize
from services.tickets.tickets import check_transition
from tests.loyalty_support import record
from tests.support import GraphQL, create_customer
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import setup_brand

REPORT = """
query($id: ID!, $groupBy: NpsGroupBy, $from: DateTime) {
  npsReport(surveyId: $id, groupBy: $groupBy, from: $from) {
    overall { responses answered promoters passives detractors score }
    groups { key responses answered score } } }
"""


def test_classification_bounds() -> None:
    assert [classify(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "DETRACTOR",
        "DETRACTOR",
        "PASSIVE",
        "PASSIVE",
        "PROMOTER",
        "PROMOTER",
    ]


def test_score_is_promoters_minus_detractors_over_answered() -> None:
    summary = summarize([10, 9, 8, 3, None, None])
    assert (summary.responses, summary.answered) == (6, 4)
    assert (summary.promoters, summary.passives, summary.detractors) == (2, 1, 1)
    assert summary.score == 25.0  # (2 - 1) / 4, the two skipped answers are not counted
    assert summarize([]).score is None
    assert summarize([None]).score is None
    assert summarize([0, 0, 10]).score == -33.3


def test_state_machine_table() -> None:
    allowed = {
        ("NEW", "OPEN"),
        ("OPEN", "PENDING_CUSTOMER"),
        ("PENDING_CUSTOMER", "OPEN"),
        ("RESOLVED", "CLOSED"),
        ("RESOLVED", "OPEN"),
        ("CLOSED", "OPEN"),
    }
    states = ("NEW", "OPEN", "PENDING_CUSTOMER", "RESOLVED", "CLOSED")
    for current in states:
        for to in states:
            if (current, to) in allowed:
                check_transition(current, to)
            else:
                with pytest.raises(DomainError) as caught:
                    check_transition(current, to)
                assert caught.value.errors[0].code.value == "INVALID_TRANSITION"


def test_answer_validation_unit() -> None:
    questions = [
        {"id": "q1", "kind": "NPS", "text": "Recommend?", "required": False, "choices": []},
        {
            "id": "q2",
            "kind": "MULTI_CHOICE",
            "text": "Which?",
            "required": True,
            "choices": ["a", "b"],
        },
        {"id": "q3", "kind": "RATING", "text": "Rate", "required": False, "choices": []},
    ]
    cleaned, nps = validate_answers(questions, {"q2": {"choices": ["a", "b"]}})
    assert cleaned == {"q2": ["a", "b"]} and nps is None  # the optional NPS question skipped
    with pytest.raises(DomainError) as caught:
        validate_answers(questions, {"q2": {"choices": ["a", "a"]}, "q3": {"score": 0}})
    assert [e.field for e in caught.value.errors] == ["answers.q2", "answers.q3"]
    with pytest.raises(DomainError):
        validate_answers(questions, {"q1": {"score": True}, "q2": {"choices": ["a"]}})


async def test_nps_report_grouped(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings, detractorFollowUp=False)
    questions = [
        {"kind": "NPS", "text": "Recommend?", "required": False},
        {"kind": "TEXT", "text": "Why?", "required": False},
    ]
    survey = await create_survey(gql, token, questions=questions)
    others = [await create_customer(gql, token, name=f"C{i}") for i in range(4)]
    ids = [customer["id"]] + [c["id"] for c in others]
    wechat = await invite(gql, token, survey["id"], ids[:3], channel="WECHAT", store="Xi'an 1")
    store = await invite(gql, token, survey["id"], ids[3:], channel="STORE")
    for inv, score in zip(wechat + store, (10, 9, 3, 7, None), strict=True):
        answers = (
            [{"questionId": "q1", "score": score}]
            if score is not None
            else [{"questionId": "q2", "text": "no score"}]
        )
        assert (await answer(gql, inv["token"], answers))["errors"] == []
    report = (await gql.data(REPORT, {"id": survey["id"]}, token))["npsReport"]
    assert report["overall"] == {
        "responses": 5,
        "answered": 4,
        "promoters": 2,
        "passives": 1,
        "detractors": 1,
        "score": 25.0,
    }
    assert report["groups"] == []
    by_channel = (await gql.data(REPORT, {"id": survey["id"], "groupBy": "CHANNEL"}, token))[
        "npsReport"
    ]["groups"]
    assert by_channel == [
        {"key": "STORE", "responses": 2, "answered": 1, "score": 0.0},
        {"key": "WECHAT", "responses": 3, "answered": 3, "score": 33.3},
    ]
    by_store = (await gql.data(REPORT, {"id": survey["id"], "groupBy": "STORE"}, token))[
        "npsReport"
    ]["groups"]
    assert [g["key"] for g in by_store] == ["UNKNOWN", "Xi'an 1"]
    # months in the brand's zone
    await (
        SurveyResponse.all().limit(1).update(submitted_at=datetime(2026, 1, 31, 17, 0, tzinfo=UTC))
    )
    by_month = (await gql.data(REPORT, {"id": survey["id"], "groupBy": "MONTH"}, token))[
        "npsReport"
    ]["groups"]
    assert by_month[0]["key"] == "2026-02"  # 01:00 on 1 February in Shanghai
    # by each customer's current tier: the first customer becomes a member with a purchase
    assert (await record(gql, token, customerId=customer["id"], amount="20"))["errors"] == []
    by_tier = (await gql.data(REPORT, {"id": survey["id"], "groupBy": "TIER"}, token))["npsReport"][
        "groups"
    ]
    assert by_tier == [
        {"key": "NONE", "responses": 4, "answered": 3, "score": 0.0},
        {"key": "Regular", "responses": 1, "answered": 1, "score": 100.0},
    ]
    later = await gql.data(REPORT, {"id": survey["id"], "from": "2999-01-01T00:00:00Z"}, token)
    assert later["npsReport"]["overall"]["score"] is None


async def test_nps_report_of_another_brand_is_null(gql: GraphQL, settings: Settings) -> None:
    _, token, _ = await setup_brand(gql, settings)
    _, other_token, _ = await setup_brand(gql, settings, slug="other")
    survey = await create_survey(gql, token)
    assert (await gql.data(REPORT, {"id": survey["id"]}, other_token))["npsReport"] is None
    node = await gql.data(
        "query($id: ID!) { node(id: $id) { id } }", {"id": survey["id"]}, other_token
    )
    assert node["node"] is None
