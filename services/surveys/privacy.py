"""Surveys in a data export (invitations and answers) and an erasure (links die, written answers
go; scores and choices stay for the brand's NPS)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from models import Customer
from models.surveys import Survey, SurveyInvitation, SurveyResponse
from services.common.actor import Actor
from services.privacy.registry import erasure_hook, iso, paged, section
from services.surveys.delivery import state
from services.surveys.invites import new_token


async def _names(rows: list[Any]) -> dict[int, str]:
    ids = list({r.survey_id for r in rows})
    return dict(await Survey.filter(id__in=ids).values_list("id", "name"))


@section("surveyInvitations", description="Invitations, their channel and state (no links).")
async def _invitations(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[SurveyInvitation]) -> list[dict[str, Any]]:
        names = await _names(rows)
        return [
            {
                "survey": names.get(i.survey_id),
                "trigger": i.trigger,
                "channel": i.channel,
                "deliveryChannel": i.delivery_channel,
                "state": state(i),
                "sentAt": iso(i.sent_at),
                "openedAt": iso(i.opened_at),
                "answeredAt": iso(i.responded_at),
                "remindedAt": iso(i.reminded_at),
            }
            for i in rows
        ]

    query = SurveyInvitation.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@section("surveyAnswers", description="Survey answers by question id, with the NPS score.")
async def _answers(brand_id: int, customer_id: int) -> AsyncIterator[list[dict[str, Any]]]:
    async def convert(rows: list[SurveyResponse]) -> list[dict[str, Any]]:
        names = await _names(rows)
        return [
            {
                "survey": names.get(r.survey_id),
                "npsScore": r.nps_score,
                "answers": r.answers,
                "submittedAt": iso(r.submitted_at),
            }
            for r in rows
        ]

    query = SurveyResponse.filter(brand_id=brand_id, customer_id=customer_id)
    async for page in paged(query, convert):
        yield page


@erasure_hook("surveys")
async def _erase(actor: Actor, customer: Customer) -> None:
    invitations = await SurveyInvitation.filter(brand_id=customer.brand_id, customer_id=customer.id)
    for invitation in invitations:  # the links die: the token was the credential
        invitation.token = new_token()
        await invitation.save(update_fields=["token"])
    responses = await SurveyResponse.filter(brand_id=customer.brand_id, customer_id=customer.id)
    for response in responses:
        kept = {k: v for k, v in response.answers.items() if not isinstance(v, str)}
        if kept != response.answers:
            response.answers = kept
            await response.save(update_fields=["answers"])
