from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from auth.context import Info
from auth.permissions import public, requires
from auth.scopes import Scope
from resolvers.surveys import invitations, mutations, queries
from schema.common import UserError, user_errors
from schema.surveys.inputs import (
    ConfigureSurveyDeliveryInput,
    CreateSurveyInput,
    SendSurveyInput,
    SetSurveyStatusInput,
    SubmitSurveyResponseInput,
)
from schema.surveys.types import (
    NpsGroupBy,
    NpsReportType,
    SurveyForm,
    SurveyInvitationType,
    SurveyQuestion,
    SurveyResponseType,
    SurveyType,
)
from services.common.errors import FieldError
from services.surveys.surveys import QuestionSpec

if TYPE_CHECKING:
    from models.surveys import Survey

READ = requires(Scope.SURVEYS_READ)
WRITE = requires(Scope.SURVEYS_WRITE)


@strawberry.type
class SurveyPayload:
    survey: SurveyType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SendSurveyPayload:
    invitations: list[SurveyInvitationType] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SubmitSurveyResponsePayload:
    response: SurveyResponseType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type(description="How survey invitations reach customers.")
class SurveyDelivery:
    link_template: str | None
    reminder_hours: int | None


@strawberry.type
class SurveyDeliveryPayload:
    delivery: SurveyDelivery | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SendSurveyRemindersPayload:
    sent: int = strawberry.field(default=0, description="Reminders handed to the gateway.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class SurveyQueries:
    @strawberry.field(extensions=READ, description="The answer link template, the reminder delay.")
    async def survey_delivery(self, info: Info) -> SurveyDelivery:
        found = await invitations.delivery_settings(info.context)
        return SurveyDelivery(
            link_template=found.link_template, reminder_hours=found.reminder_hours
        )

    @strawberry.field(extensions=READ)
    async def survey(self, info: Info, id: strawberry.ID) -> SurveyType | None:
        found = await queries.survey(info.context, id)
        return SurveyType.from_model(found) if found else None

    @strawberry.field(extensions=public(), description="The form behind an invitation link.")
    async def survey_form(self, token: str) -> SurveyForm | None:
        found = await queries.invitation(token)
        if found is None:
            return None
        invitation, survey = found
        return SurveyForm(
            survey_name=survey.name,
            questions=[SurveyQuestion.from_json(q) for q in survey.questions],
            open=survey.status == "ACTIVE" and invitation.responded_at is None,
        )

    @strawberry.field(extensions=READ, description="NPS over responses submitted in [from, to).")
    async def nps_report(
        self,
        info: Info,
        survey_id: strawberry.ID,
        from_: Annotated[datetime | None, strawberry.argument(name="from")] = None,
        to: datetime | None = None,
        group_by: NpsGroupBy | None = None,
    ) -> NpsReportType | None:
        report = await queries.nps_report(
            info.context, survey_id, from_, to, group_by.value if group_by else None
        )
        return NpsReportType.from_report(report) if report else None


@strawberry.type
class SurveyMutations:
    @strawberry.mutation(
        extensions=requires(Scope.ADMIN),
        description="The answer link and the reminder delay of invitations (both replaced).",
    )
    async def configure_survey_delivery(
        self, info: Info, input: ConfigureSurveyDeliveryInput
    ) -> SurveyDeliveryPayload:
        result = await invitations.configure(
            info.context, input.link_template, input.reminder_hours
        )
        found = result.value
        delivery = (
            SurveyDelivery(link_template=found.link_template, reminder_hours=found.reminder_hours)
            if found
            else None
        )
        return SurveyDeliveryPayload(delivery=delivery, errors=user_errors(result.errors))

    @strawberry.mutation(
        extensions=WRITE,
        description="Remind each unanswered invitation once, reminderHours after it was sent "
        "(also run by `crm surveys remind`); at most 10,000 a call.",
    )
    async def send_survey_reminders(self, info: Info) -> SendSurveyRemindersPayload:
        result = await invitations.send_reminders(info.context)
        return SendSurveyRemindersPayload(sent=result.value or 0, errors=user_errors(result.errors))

    @strawberry.mutation(extensions=WRITE)
    async def create_survey(self, info: Info, input: CreateSurveyInput) -> SurveyPayload:
        specs = [
            QuestionSpec(q.kind.value, q.text, q.required, list(q.choices)) for q in input.questions
        ]
        result = await mutations.create_survey(
            info.context,
            input.name,
            input.kind.value,
            specs,
            input.status.value,
            input.reward_points,
        )
        return _survey_payload(result.value, result.errors)

    @strawberry.mutation(extensions=WRITE, description="DRAFT -> ACTIVE -> CLOSED.")
    async def set_survey_status(self, info: Info, input: SetSurveyStatusInput) -> SurveyPayload:
        result = await mutations.set_status(info.context, input.survey_id, input.status.value)
        return _survey_payload(result.value, result.errors)

    @strawberry.mutation(extensions=WRITE, description="One single-use invitation per customer.")
    async def send_survey(self, info: Info, input: SendSurveyInput) -> SendSurveyPayload:
        result = await mutations.send_survey(
            info.context,
            input.survey_id,
            list(input.customer_ids),
            input.channel.value,
            input.store,
            str(input.segment_id) if input.segment_id is not None else None,
            input.delivery_channel.value if input.delivery_channel else None,
        )
        found = [SurveyInvitationType.from_model(i) for i in result.value or []]
        return SendSurveyPayload(invitations=found, errors=user_errors(result.errors))

    @strawberry.mutation(
        extensions=public(), description="Answer by invitation token (the token is the credential)."
    )
    async def submit_survey_response(
        self, info: Info, input: SubmitSurveyResponseInput
    ) -> SubmitSurveyResponsePayload:
        answers = [
            (a.question_id, {"score": a.score, "choices": a.choices, "text": a.text})
            for a in input.answers
        ]
        result = await mutations.submit(info.context, input.token, answers)
        found = SurveyResponseType.from_model(result.value) if result.value else None
        return SubmitSurveyResponsePayload(response=found, errors=user_errors(result.errors))


def _survey_payload(survey: Survey | None, errors: list[FieldError]) -> SurveyPayload:
    found = SurveyType.from_model(survey) if survey is not None else None
    return SurveyPayload(survey=found, errors=user_errors(errors))
