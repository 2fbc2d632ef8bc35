"""Shared setup for the survey tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQL

CREATE = """
mutation($input: CreateSurveyInput!) {
  createSurvey(input: $input) {
    survey { id name kind status questions { id kind required choices } }
    errors { field code message }
  }
}
"""
SEND = """
mutation($input: SendSurveyInput!) {
  sendSurvey(input: $input) { invitations { id customerId token channel } errors { field code } }
}
"""
SUBMIT = """
mutation($input: SubmitSurveyResponseInput!) {
  submitSurveyResponse(input: $input) {
    response { id npsScore followUpTicketId answers { questionId score choices text } }
    errors { field code message }
  }
}
"""
NPS_QUESTIONS = [
    {"kind": "NPS", "text": "Would you recommend us?"},
    {
        "kind": "SINGLE_CHOICE",
        "text": "Favourite drink",
        "choices": ["latte", "mocha"],
        "required": False,
    },
    {"kind": "TEXT", "text": "Anything else?", "required": False},
]


async def create_survey(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    values = {
        "name": "Quarterly NPS",
        "kind": "NPS",
        "status": "ACTIVE",
        "questions": NPS_QUESTIONS,
        **fields,
    }
    payload = (await gql.data(CREATE, {"input": values}, token))["createSurvey"]
    assert payload["errors"] == [], payload["errors"]
    survey: dict[str, Any] = payload["survey"]
    return survey


async def invite(
    gql: GraphQL, token: str, survey_id: str, customer_ids: list[str], **fields: Any
) -> list[dict[str, Any]]:
    values = {"surveyId": survey_id, "customerIds": customer_ids, **fields}
    payload = (await gql.data(SEND, {"input": values}, token))["sendSurvey"]
    assert payload["errors"] == [], payload["errors"]
    invitations: list[dict[str, Any]] = payload["invitations"]
    return invitations


async def answer(
    gql: GraphQL, invitation_token: str, answers: list[dict[str, Any]]
) -> dict[str, Any]:
    body = await gql.data(SUBMIT, {"input": {"token": invitation_token, "answers": answers}})
    payload: dict[str, Any] = body["submitSurveyResponse"]
    return payload
