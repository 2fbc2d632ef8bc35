from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from models.surveys import Survey, SurveyInvitation, SurveyResponse
from resolvers.ids import to_global_id
from resolvers.stores import loaders as store_loaders
from schema.common import Node, local_time
from services.surveys.nps import NpsReport, NpsSummary


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


@strawberry.type(name="SurveyInvitation")
class SurveyInvitationType:
    id: strawberry.ID
    customer_id: strawberry.ID
    channel: str
    trigger: str
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

    @classmethod
    def from_model(cls, i: SurveyInvitation) -> SurveyInvitationType:
        return cls(
            id=strawberry.ID(to_global_id("SurveyInvitation", i.id)),
            customer_id=strawberry.ID(to_global_id("Customer", i.customer_id)),
            channel=i.channel,
            trigger=i.trigger,
            model=i,
        )


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
class SurveyResponseType:
    id: strawberry.ID
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
