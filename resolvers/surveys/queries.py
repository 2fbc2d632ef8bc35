from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from auth.context import Context
from resolvers.errors import bad_input
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from resolvers.tickets.queries import decode_query_id
from services.surveys import delivery, nps, reads, surveys

if TYPE_CHECKING:
    from models.surveys import Survey, SurveyInvitation


async def _surveys(keys: Sequence[BrandKey]) -> list[Survey | None]:
    found: dict[BrandKey, Survey] = {}
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.surveys_by_id(brand_id, ids):
            found[(brand_id, row.id)] = row
    return [found.get(key) for key in keys]


async def survey_by_id(context: Context, survey_id: int) -> Survey | None:
    loader = get_loader(context, "surveys", _surveys)
    return await loader.load((context.require_brand().id, survey_id))  # type: ignore[no-any-return]


async def survey(context: Context, global_id: str) -> Survey | None:
    return await survey_by_id(context, decode_query_id(global_id, "Survey"))


async def invitation(token: str) -> tuple[SurveyInvitation, Survey] | None:
    """Public: the token is the credential; nothing of the customer is revealed."""
    found = await surveys.invitation_by_token(token)
    if found is None:
        return None
    await delivery.mark_opened(found)  # the invitation's state becomes OPENED
    return found, await reads.survey_of(found)


async def nps_report(
    context: Context,
    survey_id: str,
    frm: datetime | None,
    to: datetime | None,
    group_by: str | None,
) -> nps.NpsReport | None:
    pk = decode_query_id(survey_id, "Survey")
    if frm is not None and to is not None and frm >= to:
        raise bad_input("`from` must be before `to`")
    if await survey_by_id(context, pk) is None:
        return None
    try:
        return await nps.report(context.require_brand().id, pk, frm, to, group_by, context.tz)
    except nps.UnsupportedGrouping as exc:
        raise bad_input(str(exc)) from exc
