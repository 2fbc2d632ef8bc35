from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.ids import to_global_id
from resolvers.stores import loaders as store_loaders
from resolvers.surveys import invitations
from schema.common import Edge, Node, PageInfo, edges, local_time
from services.surveys.nps import NpsReport, NpsSummary

if TYPE_CHECKING:
    from models.surveys import Survey, SurveyInvitation, SurveyResponse
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    Survey = object
    SurveyInvitation = object
    SurveyResponse = object


@strawberry.enum
class SurveyKind(Enum):
    NPS = "NPS"
    CSAT = "CSAT"
    CUSTOM = "CUSTOM"


@strawberry.enum
class QuestionKind(Enum):
    NPS = "NPS"
    RATING = "RATING"
    SINGLE_CHOICE = "SINGLE_CHOICE"
    MULTI_CHOICE = "MULTI_CHOICE"
    TEXT = "TEXT"


@strawberry.enum
class SurveyStatus(Enum):
    DRAFT = "DRAFT"
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


@strawberry.enum
class NpsGroupBy(Enum):
    MONTH = "MONTH"
    TIER = "TIER"
    STORE = "STORE"
    CHANNEL = "CHANNEL"


@strawberry.type
class SurveyQuestion:
    id: str = strawberry.field(description="q1, q2... in order; answers refer to it.")
    kind: QuestionKind
    text: str
    required: bool
    choices: list[str]

    @classmethod
    def from_json(cls, q: dict[str, Any]) -> SurveyQuestion:
        return cls(
            id=q["id"],
            kind=QuestionKind(q["kind"]),
            text=q["text"],
            required=q["required"],
            choices=list(q["choices"]),
        )


@strawberry.type(name="Survey")
class SurveyType(Node):
    name: str
    kind: SurveyKind
    status: SurveyStatus
    reward_points: int = strawberry.field(
        description="Points for answering (awarding them needs the points ledger)."
    )
    questions: list[SurveyQuestion]
    model: strawberry.Private[Survey]

    @classmethod
    def from_model(cls, s: Survey) -> SurveyType:
        return cls(
            id=strawberry.ID(to_global_id("Survey", s.id)),
            name=s.name,
            kind=SurveyKind(s.kind),
            status=SurveyStatus(s.status),
            reward_points=s.reward_points,
            questions=[SurveyQuestion.from_json(q) for q in s.questions],
            model=s,
        )

    @strawberry.field
    def created_at(self, info: Info) -> datetime:
        return local_time(info, self.model.created_at)

    @strawberry.field(description="Invitations to this survey, newest first (at most 100 a page).")
    async def invitations(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> SurveyInvitationConnection:
        page = await invitations.survey_invitations(info.context, self.model, first, after)
        return SurveyInvitationConnection(
            edges=edges(page, SurveyInvitationType.from_model), page_info=PageInfo.from_page(page)
        )


@strawberry.enum
class InvitationState(Enum):
    NOT_SENT = "NOT_SENT"
    SENT = "SENT"
    OPENED = "OPENED"
    ANSWERED = "ANSWERED"


@strawberry.type(name="SurveyInvitation")
class SurveyInvitationType(Node):
    customer_id: strawberry.ID
    survey_id: strawberry.ID
    channel: str = strawberry.field(description="Where the interaction behind it happened.")
    trigger: str = strawberry.field(
        description="MANUAL, SEGMENT, PURCHASE or TICKET_RESOLVED (a ticket's follow-up)."
    )
    ticket_id: strawberry.ID | None = strawberry.field(
        description="The resolved ticket this invitation follows up."
    )
    delivery_channel: str | None = strawberry.field(
        description="SMS, EMAIL, PUSH or WECHAT: the consented channel it is sent on; null "
        "when the customer consented to none (NOT_SENT)."
    )
    state: InvitationState = strawberry.field(description="NOT_SENT, SENT, OPENED, ANSWERED.")
    model: strawberry.Private[SurveyInvitation]

    @strawberry.field(description="The store's code.")
    async def store(self, info: Info) -> str | None:
        found = await store_loaders.store_by_id(
            info.context, self.model.brand_id, self.model.store_id
        )
        return found.code if found else None

    @strawberry.field
    def store_id(self) -> strawberry.ID | None:
        pk = self.model.store_id
        return strawberry.ID(to_global_id("Store", pk)) if pk else None

    @strawberry.field(
        extensions=requires(Scope.SURVEYS_WRITE),
        description="Single-use: the customer's link to answer without logging in.",
    )
    def token(self) -> str | None:
        return self.model.token

    @strawberry.field(
        extensions=requires(Scope.SURVEYS_WRITE),
        description="The answer link (the brand's template with the token); null without one.",
    )
    async def link(self, info: Info) -> str | None:
        return await invitations.link(info.context, self.model)

    @strawberry.field(description="When it was created and handed to the gateway.")
    def sent_at(self, info: Info) -> datetime:
        return local_time(info, self.model.sent_at)

    @strawberry.field(description="When the customer first opened the form.")
    def opened_at(self, info: Info) -> datetime | None:
        value = self.model.opened_at
        return local_time(info, value) if value else None

    @strawberry.field
    def answered_at(self, info: Info) -> datetime | None:
        value = self.model.responded_at
        return local_time(info, value) if value else None

    @strawberry.field(description="When its one reminder went out.")
    def reminded_at(self, info: Info) -> datetime | None:
        value = self.model.reminded_at
        return local_time(info, value) if value else None

    @classmethod
    def from_model(cls, i: SurveyInvitation) -> SurveyInvitationType:
        return cls(
            id=strawberry.ID(to_global_id("SurveyInvitation", i.id)),
            customer_id=strawberry.ID(to_global_id("Customer", i.customer_id)),
            survey_id=strawberry.ID(to_global_id("Survey", i.survey_id)),
            channel=i.channel,
            trigger=i.trigger,
            ticket_id=strawberry.ID(to_global_id("Ticket", i.ticket_id)) if i.ticket_id else None,
            delivery_channel=i.delivery_channel,
            state=InvitationState(invitations.state(i)),
            model=i,
        )


@strawberry.type
class SurveyInvitationConnection:
    edges: list[Edge[SurveyInvitationType]]
    page_info: PageInfo


@strawberry.type(description="What a token holder sees: the questions, never the customer.")
class SurveyForm:
    survey_name: str
    questions: list[SurveyQuestion]
    open: bool = strawberry.field(description="The survey is active and not yet answered.")


@strawberry.type
class Answer:
    question_id: str
    score: int | None = None
    choices: list[str] | None = None
    text: str | None = None


def _answer(question_id: str, value: Any) -> Answer:
    if isinstance(value, int):
        return Answer(question_id=question_id, score=value)
    if isinstance(value, list):
        return Answer(question_id=question_id, choices=[str(v) for v in value])
    return Answer(question_id=question_id, text=str(value))


@strawberry.type(name="SurveyResponse")
class SurveyResponseType(Node):
    nps_score: int | None
    answers: list[Answer]
    follow_up_ticket_id: strawberry.ID | None = strawberry.field(
        description="The ticket a detractor answer opened, if any."
    )
    model: strawberry.Private[SurveyResponse]

    @classmethod
    def from_model(cls, r: SurveyResponse) -> SurveyResponseType:
        ticket = r.follow_up_ticket_id
        return cls(
            id=strawberry.ID(to_global_id("SurveyResponse", r.id)),
            nps_score=r.nps_score,
            answers=[_answer(k, v) for k, v in r.answers.items()],
            follow_up_ticket_id=strawberry.ID(to_global_id("Ticket", ticket)) if ticket else None,
            model=r,
        )


@strawberry.type
class NpsResult:
    key: str | None = strawberry.field(description="Month (YYYY-MM), channel, store or tier.")
    responses: int
    answered: int = strawberry.field(description="Responses that gave an NPS score.")
    promoters: int
    passives: int
    detractors: int
    score: float | None = strawberry.field(
        description="%promoters - %detractors over `answered`; null when none answered."
    )

    @classmethod
    def of(cls, key: str | None, s: NpsSummary) -> NpsResult:
        return cls(
            key=key,
            responses=s.responses,
            answered=s.answered,
            promoters=s.promoters,
            passives=s.passives,
            detractors=s.detractors,
            score=s.score,
        )


@strawberry.type(name="NpsReport")
class NpsReportType:
    overall: NpsResult
    groups: list[NpsResult]

    @classmethod
    def from_report(cls, r: NpsReport) -> NpsReportType:
        return cls(
            overall=NpsResult.of(None, r.overall),
            groups=[NpsResult.of(g.key, g.summary) for g in r.groups],
        )
