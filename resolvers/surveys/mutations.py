from __future__ import annotations

from typing import TYPE_CHECKING, Any

from auth.context import Context
from resolvers.results import MutationResult, decode_or_error, run
from resolvers.stores.refs import store_ref
from services.common.errors import DomainError, ErrorCode
from services.surveys import surveys
from services.surveys.surveys import QuestionSpec

if TYPE_CHECKING:
    from models.surveys import Survey, SurveyInvitation, SurveyResponse


async def create_survey(
    context: Context,
    name: str,
    kind: str,
    questions: list[QuestionSpec],
    status: str,
    reward_points: int,
) -> MutationResult[Survey]:
    return await run(
        surveys.create_survey(context.actor, name, kind, questions, status, reward_points)
    )


async def set_status(context: Context, survey_id: str, status: str) -> MutationResult[Survey]:
    async def operation() -> Survey:
        pk = decode_or_error(survey_id, "Survey", "surveyId")
        return await surveys.set_status(context.actor, pk, status)

    return await run(operation())


async def send_survey(
    context: Context,
    survey_id: str,
    customer_ids: list[str],
    channel: str,
    store: str | None,
    segment_id: str | None = None,
    delivery_channel: str | None = None,
) -> MutationResult[list[SurveyInvitation]]:
    async def operation() -> list[SurveyInvitation]:
        pk = decode_or_error(survey_id, "Survey", "surveyId")
        customers = [decode_or_error(c, "Customer", "customerIds") for c in customer_ids]
        segment = (
            None if segment_id is None else decode_or_error(segment_id, "Segment", "segmentId")
        )
        return await surveys.send_survey(
            context.actor, pk, customers, channel, store_ref(store), segment, delivery_channel
        )

    return await run(operation())


async def submit(
    context: Context, token: str, answers: list[tuple[str, dict[str, Any]]]
) -> MutationResult[SurveyResponse]:
    async def operation() -> SurveyResponse:
        by_question: dict[str, dict[str, Any]] = {}
        for question_id, answer in answers:
            if question_id in by_question:
                raise DomainError.single(
                    f"answers.{question_id}",
                    ErrorCode.INVALID_ANSWER,
                    f"question {question_id} is answered twice",
                )
            by_question[question_id] = answer
        return await surveys.submit(token, by_question, context.request_id)

    return await run(operation())
