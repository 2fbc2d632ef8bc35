from __future__ import annotations

import strawberry

from schema.privacy.consents import MessageChannel
from schema.surveys.types import QuestionKind, SurveyKind, SurveyStatus
from schema.tickets.types import TicketChannel


@strawberry.input
class QuestionInput:
    kind: QuestionKind
    text: str
    required: bool = True
    choices: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class CreateSurveyInput:
    name: str
    kind: SurveyKind
    questions: list[QuestionInput]
    status: SurveyStatus = SurveyStatus.DRAFT
    reward_points: int = 0


@strawberry.input
class SetSurveyStatusInput:
    survey_id: strawberry.ID
    status: SurveyStatus


@strawberry.input(description="Sending to a segment will come with segments.")
class SendSurveyInput:
    survey_id: strawberry.ID
    customer_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Customers to invite (up to 1000)."
    )
    segment_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Also invite the segment's current members not yet invited to this survey.",
    )
    channel: TicketChannel = TicketChannel.OTHER
    store: str | None = strawberry.field(
        default=None, description="A Store id, or a store code (registered on first use)."
    )
    delivery_channel: MessageChannel | None = strawberry.field(
        default=None,
        description="Send on this channel (customers who did not consent to it get no "
        "message: NOT_SENT); default: each customer's first consented channel.",
    )


@strawberry.input(description="Give `score` (NPS, RATING), `choices` or `text` by kind.")
class AnswerInput:
    question_id: str
    score: int | None = None
    choices: list[str] | None = None
    text: str | None = None


@strawberry.input
class SubmitSurveyResponseInput:
    token: str = strawberry.field(description="The invitation's single-use token.")
    answers: list[AnswerInput]


@strawberry.input(description="How invitations reach customers.")
class ConfigureSurveyDeliveryInput:
    link_template: str | None = strawberry.field(
        default=None,
        description="The answer link, an http(s) URL with {token}, e.g. "
        "https://shop.example.com/survey/{token}; null: events carry the token only.",
    )
    reminder_hours: int | None = strawberry.field(
        default=None,
        description="Remind unanswered invitations once after this many hours "
        "(1 to 720); null: no reminder.",
    )
