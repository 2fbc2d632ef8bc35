"""Survey invitations: each carries a single-use token, the customer's link to answer."""

from __future__ import annotations

import secrets

from events.outbox import Event
from events.reactions import react
from models import Purchase
from models.surveys import Survey, SurveyInvitation
from models.tickets import ServiceSettings, Ticket
from services.common import audit
from services.common.actor import Actor
from services.common.pagination import Page, PageRequest, PaginationError, paginate
from services.surveys import delivery
from services.tickets.config import CHANNELS


def new_token() -> str:
    return secrets.token_urlsafe(24)


async def create_invitations(
    actor: Actor,
    survey: Survey,
    customer_ids: list[int],
    channel: str,
    store_id: int | None,
    trigger: str,
    ticket_id: int | None = None,
    purchase_id: int | None = None,
    delivery_channel: str | None = None,
) -> list[SurveyInvitation]:
    """Invite each customer once (call inside a transaction; the ids are checked), on the
    channel asked for or the first one each customer consented to (services/surveys/delivery),
    and announce the invitations that have a channel to the brand's messaging gateway."""
    tokens = [new_token() for _ in customer_ids]
    channels = await delivery.channels_for(actor.brand_id, customer_ids, delivery_channel)
    await SurveyInvitation.bulk_create(
        [
            SurveyInvitation(
                brand_id=actor.brand_id,
                survey_id=survey.id,
                customer_id=cid,
                token=token,
                channel=channel,
                store_id=store_id,
                trigger=trigger,
                ticket_id=ticket_id,
                purchase_id=purchase_id,
                delivery_channel=sending,
            )
            for cid, token, sending in zip(customer_ids, tokens, channels, strict=True)
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
    await delivery.announce(actor, created, "survey.invitation_created")
    return created


async def invite_after_ticket(actor: Actor, survey_id: int, ticket: Ticket) -> None:
    """After a resolution: invite the ticket's customer, if the survey is active."""
    survey = await Survey.get_or_none(brand_id=actor.brand_id, id=survey_id, status="ACTIVE")
    if survey is None:
        return
    await create_invitations(
        actor, survey, [ticket.customer_id], ticket.channel, None, "TICKET_RESOLVED", ticket.id
    )


@react("purchase.recorded")
async def invite_after_purchase(event: Event) -> None:
    """The brand's purchase survey, once per purchase (run by the relay after the commit)."""
    settings = await ServiceSettings.get_or_none(brand_id=event.brand_id)
    if settings is None or settings.purchase_survey_id is None or not event.subject_id:
        return
    survey = await Survey.get_or_none(
        brand_id=event.brand_id, id=settings.purchase_survey_id, status="ACTIVE"
    )
    purchase = await Purchase.get_or_none(brand_id=event.brand_id, id=int(event.subject_id))
    if survey is None or purchase is None:
        return
    if await SurveyInvitation.exists(survey_id=survey.id, purchase_id=purchase.id):
        return
    actor = Actor(event.brand_id, "system", "purchase-survey", f"event:{event.seq}")
    channel = (purchase.channel or "").upper()
    await create_invitations(
        actor,
        survey,
        [purchase.customer_id],
        channel if channel in CHANNELS else "OTHER",
        purchase.store_id,
        "PURCHASE",
        purchase_id=purchase.id,
    )


async def survey_invitations(
    brand_id: int, survey_id: int, page: PageRequest
) -> Page[SurveyInvitation]:
    """A survey's invitations, newest first (keyset on id)."""
    if page.last is not None or page.before is not None:
        raise PaginationError("invitations page forward only (first/after)")
    query = SurveyInvitation.filter(brand_id=brand_id, survey_id=survey_id)
    return await paginate(query, "id", True, page, is_datetime=False)
