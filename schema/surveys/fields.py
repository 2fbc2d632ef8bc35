"""Survey fields hung on other domains' types: `Customer.surveyInvitations`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from auth.context import Info
from resolvers.surveys import invitations
from schema.surveys.types import SurveyInvitationType

if TYPE_CHECKING:
    from models import Customer as CustomerModel
else:
    # strawberry evaluates the Private annotations: at run time the model is any object
    CustomerModel = object


@strawberry.type
class CustomerSurveyFields:
    model: strawberry.Private[CustomerModel]

    @strawberry.field(
        description="Survey invitations, newest first, with their channel and state "
        "(staff need surveys:read; a customer sees their own)."
    )
    async def survey_invitations(self, info: Info, first: int = 20) -> list[SurveyInvitationType]:
        rows = await invitations.customer_invitations(info.context, self.model, first)
        return [SurveyInvitationType.from_model(row) for row in rows]
