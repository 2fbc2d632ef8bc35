"""Survey invitations reach customers: through the brand's messaging gateway, on a consented
channel, with one reminder.

The CRM does not send messages itself. Each invitation created (by hand, for a segment, after a
purchase or a resolved ticket) is given the first channel its customer consented to (or the one
asked for, if consented) and a `survey.invitation_created` event, which webhooks carry to the
gateway (SMS, e-mail, push, WeChat template). Without a consented channel the invitation is
kept (it can still be answered in the brand's app) but nothing is sent: its state is NOT_SENT.
An unanswered invitation gets one `survey.invitation_reminded` after the brand's delay.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from events.outbox import emit_many
from models.surveys import SurveyInvitation
from models.tickets import ServiceSettings
from services.common import audit, sql
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector
from services.loyalty.config import utcnow
from services.privacy import consents
from services.tickets.config import get_settings

TOKEN = "{token}"
MAX_TEMPLATE = 500
MAX_REMINDER_HOURS = 30 * 24
MAX_REMINDERS_PER_SWEEP = 10_000


def choose_channel(allowed: list[str], preferred: str | None) -> str | None:
    """The channel to send on: the one asked for if consented, else the first consented."""
    if preferred is not None:
        return preferred if preferred in allowed else None
    return allowed[0] if allowed else None


async def channels_for(
    brand_id: int, customer_ids: list[int], preferred: str | None
) -> list[str | None]:
    allowed = await consents.allowed_channels(brand_id, customer_ids)
    return [choose_channel(allowed.get(cid, []), preferred) for cid in customer_ids]


def link(template: str | None, token: str) -> str | None:
    return template.replace(TOKEN, token) if template else None


def state(invitation: SurveyInvitation) -> str:
    if invitation.responded_at is not None:
        return "ANSWERED"
    if invitation.delivery_channel is None:
        return "NOT_SENT"
    return "OPENED" if invitation.opened_at is not None else "SENT"


def _payload(invitation: SurveyInvitation, template: str | None) -> dict[str, Any]:
    return {
        "invitationId": invitation.id,
        "surveyId": invitation.survey_id,
        "deliveryChannel": invitation.delivery_channel,
        "link": link(template, invitation.token),
        "token": invitation.token,
        "trigger": invitation.trigger,
        "ticketId": invitation.ticket_id,
    }


async def announce(actor: Actor, invitations: list[SurveyInvitation], event_type: str) -> int:
    """One event per invitation that has a channel (inside the caller's transaction)."""
    sendable = [i for i in invitations if i.delivery_channel is not None]
    if not sendable:
        return 0
    template = (await get_settings(actor.brand_id)).survey_link_template
    return await emit_many(
        actor,
        event_type,
        [(i.customer_id, ("SurveyInvitation", i.id), _payload(i, template)) for i in sendable],
    )


async def mark_opened(invitation: SurveyInvitation) -> None:
    """The customer opened the form (once; later openings change nothing)."""
    if invitation.opened_at is not None:
        return
    now = utcnow()
    await sql.execute(
        "UPDATE survey_invitations SET opened_at = ? WHERE id = ? AND opened_at IS NULL",
        [now, invitation.id],
    )
    invitation.opened_at = now


@dataclass(frozen=True)
class DeliverySettings:
    link_template: str | None
    reminder_hours: int | None


async def configure(
    actor: Actor, link_template: str | None, reminder_hours: int | None
) -> DeliverySettings:
    """The answer link (a URL with `{token}`) and the reminder's delay (None: no reminder)."""
    errors = ErrorCollector()
    if link_template is not None:
        link_template = link_template.strip()
        if (
            TOKEN not in link_template
            or not link_template.startswith(("https://", "http://"))
            or len(link_template) > MAX_TEMPLATE
        ):
            errors.add(
                "linkTemplate",
                ErrorCode.INVALID,
                f"an http(s) URL with {TOKEN}, at most {MAX_TEMPLATE} characters",
            )
    if reminder_hours is not None and not 1 <= reminder_hours <= MAX_REMINDER_HOURS:
        errors.add(
            "reminderHours", ErrorCode.INVALID, f"reminderHours must be 1 to {MAX_REMINDER_HOURS}"
        )
    errors.raise_if_any()
    async with in_transaction():
        row = await ServiceSettings.select_for_update().get_or_none(brand_id=actor.brand_id)
        if row is None:
            row = await ServiceSettings.create(
                brand_id=actor.brand_id, categories=[], root_causes=[]
            )
        row.survey_link_template = link_template
        row.survey_reminder_hours = reminder_hours
        await row.save(
            update_fields=["survey_link_template", "survey_reminder_hours", "updated_at"]
        )
        fields = ["linkTemplate", "reminderHours"]
        await audit.record(
            actor, "configureSurveyDelivery", "ServiceSettings", row.id, {"fields": fields}
        )
    return DeliverySettings(link_template, reminder_hours)


async def delivery_settings(brand_id: int) -> DeliverySettings:
    found = await get_settings(brand_id)
    return DeliverySettings(found.survey_link_template, found.survey_reminder_hours)


_DUE = (
    "SELECT i.id FROM survey_invitations i"
    " WHERE i.brand_id = ? AND i.responded_at IS NULL AND i.reminded_at IS NULL"
    " AND i.delivery_channel IS NOT NULL AND i.sent_at <= ?"
    " AND i.survey_id IN (SELECT s.id FROM surveys s WHERE s.brand_id = ? AND s.status = 'ACTIVE')"
    " ORDER BY i.id LIMIT ?"
)


async def send_reminders(actor: Actor, now: datetime | None = None) -> int:
    """Remind each unanswered invitation once, `reminderHours` after it was sent, on its channel
    if the customer still consents to it (else its one reminder is spent unsent). At most
    MAX_REMINDERS_PER_SWEEP a call; returns how many reminders went out."""
    settings = await get_settings(actor.brand_id)
    if settings.survey_reminder_hours is None:
        return 0
    now = now or utcnow()
    cutoff = now - timedelta(hours=settings.survey_reminder_hours)
    async with in_transaction():
        rows = await sql.fetch(
            _DUE, [actor.brand_id, cutoff, actor.brand_id, MAX_REMINDERS_PER_SWEEP], for_update=True
        )
        ids = [int(r["id"]) for r in rows]
        if not ids:
            return 0
        due = await SurveyInvitation.filter(id__in=ids, reminded_at__isnull=True).order_by("id")
        await SurveyInvitation.filter(id__in=[i.id for i in due]).update(reminded_at=now)
        allowed = await consents.allowed_channels(
            actor.brand_id, list({i.customer_id for i in due})
        )
        still = [i for i in due if i.delivery_channel in allowed.get(i.customer_id, [])]
        sent = await announce(actor, still, "survey.invitation_reminded")
        if due:
            await audit.record_many(
                actor,
                "sendSurveyReminders",
                "SurveyInvitation",
                [i.id for i in due],
                {"sent": sent},
            )
    return sent


def check_channel(channel: str | None) -> None:
    if channel is not None and channel not in consents.CHANNELS:
        raise DomainError.single(
            "deliveryChannel", ErrorCode.INVALID, f"deliveryChannel is one of {consents.CHANNELS}"
        )
