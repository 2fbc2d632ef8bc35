"""Surveys: definition, status, sending, answering by invitation token, the detractor loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Customer
from models.surveys import Survey, SurveyInvitation, SurveyResponse
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty import points
from services.segments import segments
from services.stores import refs as store_refs
from services.stores.refs import StoreRef
from services.surveys import delivery
from services.surveys import invites as survey_invites
from services.surveys.answers import validate_answers
from services.tickets import tickets
from services.tickets.config import CHANNELS, get_settings

KINDS = ("NPS", "CSAT", "CUSTOM")
QUESTION_KINDS = ("NPS", "RATING", "SINGLE_CHOICE", "MULTI_CHOICE", "TEXT")
STATUSES = ("DRAFT", "ACTIVE", "CLOSED")
STATUS_MOVES = {"DRAFT": ("ACTIVE", "CLOSED"), "ACTIVE": ("CLOSED",), "CLOSED": ()}
MAX_QUESTIONS = 50
MAX_SEND = 1000
MAX_SEGMENT_SEND = 50_000


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text: str
    required: bool = True
    choices: list[str] = field(default_factory=list)


def clean_questions(specs: list[QuestionSpec], errors: ErrorCollector) -> list[dict[str, Any]]:
    if not specs or len(specs) > MAX_QUESTIONS:
        errors.add("questions", ErrorCode.INVALID, f"a survey has 1 to {MAX_QUESTIONS} questions")
    cleaned: list[dict[str, Any]] = []
    for index, spec in enumerate(specs, start=1):
        key = f"q{index}"
        text = spec.text.strip()
        if not text or len(text) > 500:
            errors.add(f"questions.{key}", ErrorCode.INVALID, f"question {key} needs a text")
        if spec.kind not in QUESTION_KINDS:
            errors.add(f"questions.{key}", ErrorCode.INVALID, f"question {key}: unknown kind")
        choices = [c.strip() for c in spec.choices if c.strip()]
        is_choice = spec.kind in ("SINGLE_CHOICE", "MULTI_CHOICE")
        if is_choice and (len(choices) < 2 or len(set(choices)) != len(choices)):
            errors.add(
                f"questions.{key}",
                ErrorCode.INVALID,
                f"question {key} needs at least two distinct choices",
            )
        if not is_choice and choices:
            errors.add(
                f"questions.{key}",
                ErrorCode.INVALID,
                f"question {key}: only choice questions have choices",
            )
        cleaned.append(
            {
                "id": key,
                "kind": spec.kind,
                "text": text,
                "required": spec.required,
                "choices": choices,
            }
        )
    return cleaned


async def create_survey(
    actor: Actor,
    name: str,
    kind: str,
    questions: list[QuestionSpec],
    status: str,
    reward_points: int,
) -> Survey:
    errors = ErrorCollector()
    name = name.strip()
    if not name or len(name) > 200:
        errors.add("name", ErrorCode.INVALID, "a survey needs a name of at most 200 characters")
    if kind not in KINDS:
        errors.add("kind", ErrorCode.INVALID, f"kind must be one of {KINDS}")
    if status not in ("DRAFT", "ACTIVE"):
        errors.add("status", ErrorCode.INVALID, "a new survey is DRAFT or ACTIVE")
    if not 0 <= reward_points <= 100_000:
        errors.add("rewardPoints", ErrorCode.INVALID, "rewardPoints must be 0 to 100000")
    cleaned = clean_questions(questions, errors)
    if kind == "NPS" and not any(q["kind"] == "NPS" for q in cleaned):
        errors.add("questions", ErrorCode.INVALID, "an NPS survey needs an NPS question")
    if sum(1 for q in cleaned if q["kind"] == "NPS") > 1:
        errors.add("questions", ErrorCode.INVALID, "at most one NPS question per survey")
    errors.raise_if_any()
    async with in_transaction():
        survey = await Survey.create(
            brand_id=actor.brand_id,
            name=name,
            kind=kind,
            status=status,
            questions=cleaned,
            reward_points=reward_points,
        )
        await audit.record(actor, "createSurvey", "Survey", survey.id, {"kind": kind})
    return survey


async def _lock_survey(brand_id: int, survey_id: int) -> Survey:
    survey = await Survey.select_for_update().get_or_none(brand_id=brand_id, id=survey_id)
    if survey is None:
        raise DomainError.single("surveyId", ErrorCode.NOT_FOUND, "survey not found")
    return survey


async def set_status(actor: Actor, survey_id: int, status: str) -> Survey:
    async with in_transaction():
        survey = await _lock_survey(actor.brand_id, survey_id)
        if status not in STATUS_MOVES.get(survey.status, ()):
            message = f"a {survey.status} survey cannot become {status}"
            raise DomainError.single("status", ErrorCode.INVALID_TRANSITION, message)
        previous, survey.status = survey.status, status
        await survey.save()
        await audit.record(
            actor, "setSurveyStatus", "Survey", survey.id, {"from": previous, "to": status}
        )
    return survey


async def _segment_members(actor: Actor, segment_id: int) -> list[int]:
    segment = await segments.get_segment(actor.brand_id, segment_id, field="segmentId")
    members = await segments.customer_ids(actor.brand_id, segment.rule)
    if len(members) > MAX_SEGMENT_SEND:
        raise DomainError.single(
            "segmentId",
            ErrorCode.INVALID,
            f"the segment has {len(members)} customers; at most {MAX_SEGMENT_SEND} per send",
        )
    return members


async def send_survey(
    actor: Actor,
    survey_id: int,
    customer_ids: list[int],
    channel: str,
    store: StoreRef | None,
    segment_id: int | None = None,
    delivery_channel: str | None = None,
) -> list[SurveyInvitation]:
    """Invite the given customers and/or a segment's current members (each customer once), to
    be sent on `delivery_channel` or each one's first consented channel (delivery.py).

    Members of a segment who already hold an invitation to this survey are not invited again,
    so a segment can be re-sent to reach only its new members.
    """
    errors = ErrorCollector()
    unique = list(dict.fromkeys(customer_ids))
    if len(unique) > MAX_SEND or (not unique and segment_id is None):
        errors.add("customerIds", ErrorCode.INVALID, f"send to 1 to {MAX_SEND} customers")
    if channel not in CHANNELS:
        errors.add("channel", ErrorCode.INVALID, f"channel must be one of {CHANNELS}")
    errors.raise_if_any()
    delivery.check_channel(delivery_channel)
    members = [] if segment_id is None else await _segment_members(actor, segment_id)
    async with in_transaction():
        survey = await _lock_survey(actor.brand_id, survey_id)
        if survey.status != "ACTIVE":
            raise DomainError.single(
                "surveyId", ErrorCode.SURVEY_CLOSED, f"the survey is {survey.status}, not ACTIVE"
            )
        found = await Customer.filter(
            brand_id=actor.brand_id, id__in=unique, erased_at=None
        ).count()
        if found != len(unique):
            raise DomainError.single("customerIds", ErrorCode.NOT_FOUND, "customer not found")
        if members:
            invited = set(
                await SurveyInvitation.filter(
                    survey_id=survey.id, customer_id__in=members
                ).values_list("customer_id", flat=True)
            )
            chosen = set(unique)
            unique += [m for m in members if m not in invited and m not in chosen]
        if not unique:
            return []
        found_store = await store_refs.resolve(actor, store, "store")
        trigger = "SEGMENT" if segment_id is not None else "MANUAL"
        return await survey_invites.create_invitations(
            actor,
            survey,
            unique,
            channel,
            found_store.id if found_store else None,
            trigger,
            delivery_channel=delivery_channel,
        )


async def invitation_by_token(token: str) -> SurveyInvitation | None:
    return await SurveyInvitation.get_or_none(token=token)


async def submit(token: str, answers: dict[str, dict[str, Any]], request_id: str) -> SurveyResponse:
    """Answer by invitation token; the unique invitation of a response makes it single-use."""
    try:
        return await _submit(token, answers, request_id)
    except IntegrityError as exc:
        raise DomainError.single(
            "token", ErrorCode.ALREADY_ANSWERED, "this invitation has already been answered"
        ) from exc


async def _submit(
    token: str, answers: dict[str, dict[str, Any]], request_id: str
) -> SurveyResponse:
    async with in_transaction():
        invitation = await SurveyInvitation.select_for_update().get_or_none(token=token)
        if invitation is None:
            raise DomainError.single("token", ErrorCode.NOT_FOUND, "unknown invitation")
        survey = await Survey.get(id=invitation.survey_id)
        if survey.status != "ACTIVE":
            raise DomainError.single("token", ErrorCode.SURVEY_CLOSED, "the survey is closed")
        if invitation.responded_at is not None:
            raise DomainError.single(
                "token", ErrorCode.ALREADY_ANSWERED, "this invitation has already been answered"
            )
        cleaned, nps = validate_answers(survey.questions, answers)
        actor = Actor(invitation.brand_id, "customer", str(invitation.customer_id), request_id)
        response = await SurveyResponse.create(
            brand_id=invitation.brand_id,
            survey_id=survey.id,
            invitation_id=invitation.id,
            customer_id=invitation.customer_id,
            answers=cleaned,
            nps_score=nps,
            channel=invitation.channel,
            store_id=invitation.store_id,
        )
        invitation.responded_at = response.submitted_at
        await invitation.save(update_fields=["responded_at"])
        await audit.record(
            actor,
            "submitSurveyResponse",
            "SurveyResponse",
            response.id,
            {"survey": survey.id, "nps": nps},
        )
        await emit(
            actor,
            "survey.response_submitted",
            customer_id=invitation.customer_id,
            subject=("SurveyResponse", response.id),
            payload={"survey": survey.id, "nps": nps},
        )
        if survey.reward_points > 0:  # through the loyalty ledger, once per invitation
            await points.award_points(
                Actor(invitation.brand_id, "system", "survey-reward", request_id),
                invitation.customer_id,
                survey.reward_points,
                f"Survey {survey.id} answered",
                "survey",
                f"survey-invitation:{invitation.id}",
            )
        if nps is not None and nps <= 6:
            await _follow_up(invitation, response, nps, request_id)
    return response


async def _follow_up(
    invitation: SurveyInvitation, response: SurveyResponse, nps: int, request_id: str
) -> None:
    """A detractor: open a follow-up ticket linked to the response (unless the brand opts out)."""
    settings = await get_settings(invitation.brand_id)
    if not settings.detractor_follow_up:
        return
    system = Actor(invitation.brand_id, "system", "detractor-loop", request_id)
    channel = invitation.channel if invitation.channel in CHANNELS else "OTHER"
    spec = tickets.NewTicket(
        customer_id=invitation.customer_id,
        channel=channel,
        category=settings.follow_up_category,
        severity="HIGH" if nps <= 3 else "NORMAL",
        subject=f"Detractor follow-up (NPS {nps})",
        description=f"Survey response {response.id} scored {nps}; call the customer back.",
    )
    ticket = await tickets.create_ticket(
        system, spec, source_response_id=response.id, settings=settings
    )
    response.follow_up_ticket_id = ticket.id
    await response.save(update_fields=["follow_up_ticket_id"])
