"""Reads of surveys and invitations for the API (loaders: one statement per brand and batch of
ids)."""

from __future__ import annotations

from models.surveys import Survey, SurveyInvitation
from services.common.recent import newest_per_group


async def surveys_by_id(brand_id: int, survey_ids: list[int]) -> list[Survey]:
    return await Survey.filter(brand_id=brand_id, id__in=survey_ids)


async def survey_of(invitation: SurveyInvitation) -> Survey:
    return await Survey.get(id=invitation.survey_id)


async def newest_invitations(
    brand_id: int, customer_ids: list[int], limit: int
) -> list[SurveyInvitation]:
    """Each customer's `limit` newest invitations, newest sent first."""
    query = newest_per_group(
        SurveyInvitation, "customer_id", brand_id, customer_ids, limit, order_column="sent_at"
    )
    return await query.order_by("-sent_at", "-id")
