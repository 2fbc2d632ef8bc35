"""Survey invitations: each carries a single-use token, the customer's link to answer."""

from __future__ import annotations

import secrets

from models.surveys import Survey, SurveyInvitation
from models.tickets import Ticket
from services import audit
from services.actor import Actor


def new_token() -> str:
    return secrets.token_urlsafe(24)


async def create_invitations(
    actor: Actor,
    survey: Survey,
    customer_ids: list[int],
    channel: str,
    store: str | None,
    trigger: str,
    ticket_id: int | None = None,
) -> list[SurveyInvitation]:
    """Invite each customer once (call inside a transaction; the ids are checked)."""
    tokens = [new_token() for _ in customer_ids]
    await SurveyInvitation.bulk_create(
        [
            SurveyInvitation(
                brand_id=actor.brand_id,
                survey_id=survey.id,
                customer_id=cid,
                token=token,
                channel=channel,
                store=store,
                trigger=trigger,
                ticket_id=ticket_id,
            )
            for cid, token in zip(customer_ids, tokens, strict=True)
        ]
    )
    created = await SurveyInvitation.filter(brand_id=actor.brand_id, token__in=tokens)
    order = {token: i for i, token in enumerate(tokens)}
    created.sort(key=lambda inv: order[inv.token])
    await audit.record_many(
        actor,
        "sendSurvey",
        "SurveyInvitation",
        [i.id for i in created],
        {"survey": survey.id, "trigger": trigger},
    )
    return created


async def invite_after_ticket(actor: Actor, survey_id: int, ticket: Ticket) -> None:
    """After a resolution: invite the ticket's customer, if the survey is active."""
    survey = await Survey.get_or_none(brand_id=actor.brand_id, id=survey_id, status="ACTIVE")
    if survey is None:
        return
    await create_invitations(
        actor, survey, [ticket.customer_id], ticket.channel, None, "TICKET_RESOLVED", ticket.id
    )
