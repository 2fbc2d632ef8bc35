from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from auth.permissions import requires
from auth.scopes import Scope
from resolvers.campaigns import mutations, queries
from resolvers.results import MutationResult
from schema.campaigns.inputs import CreateCampaignInput, LaunchCampaignInput
from schema.campaigns.types import CampaignConnection, CampaignType
from schema.common import UserError, user_errors
from services.common.pagination import PageRequest

if TYPE_CHECKING:
    from models.campaigns import Campaign

READ = requires(Scope.OFFERS_READ)
WRITE = requires(Scope.OFFERS_WRITE)


@strawberry.type
class CampaignPayload:
    campaign: CampaignType | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


async def _payload(info: Info, result: MutationResult[Campaign]) -> CampaignPayload:
    if result.value is None:
        return CampaignPayload(errors=user_errors(result.errors, "Campaign"))
    fresh = await queries.campaign_model(info.context, result.value.id)
    return CampaignPayload(campaign=CampaignType.from_model(fresh) if fresh else None)


@strawberry.type
class CampaignQueries:
    @strawberry.field(extensions=READ)
    async def campaign(self, info: Info, id: strawberry.ID) -> CampaignType | None:
        found = await queries.campaign(info.context, id)
        return CampaignType.from_model(found) if found else None

    @strawberry.field(extensions=READ, description="Newest first; keyset-paginated.")
    async def campaigns(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> CampaignConnection:
        page = await queries.campaign_list(info.context, PageRequest(first=first, after=after))
        return CampaignConnection.from_page(page)


@strawberry.type
class CampaignMutations:
    @strawberry.mutation(extensions=WRITE, description="A DRAFT: review it, then launch it.")
    async def create_campaign(self, info: Info, input: CreateCampaignInput) -> CampaignPayload:
        result = await mutations.create(
            info.context,
            input.name,
            input.description,
            input.segment_id,
            list(input.offer_ids),
            input.starts_at,
            input.ends_at,
            input.holdout_percent,
        )
        return await _payload(info, result)

    @strawberry.mutation(
        extensions=WRITE,
        description="Snapshots the segment, holds out a random share and issues the offers to "
        "the rest, at once. Launching again changes nothing.",
    )
    async def launch_campaign(self, info: Info, input: LaunchCampaignInput) -> CampaignPayload:
        return await _payload(info, await mutations.launch(info.context, input.campaign_id))
