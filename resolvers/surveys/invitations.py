"""Survey invitations as customers receive them: link, channel, state; delivery settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from strawberry.exceptions import StrawberryGraphQLError

from auth.context import Context
from auth.scopes import Scope
from resolvers.errors import bad_input
from resolvers.loaders import BrandKey, get_loader, group_by_brand
from resolvers.results import MutationResult, run
from services.common.pagination import Page, PageRequest, PaginationError
from services.surveys import delivery, invites, reads

if TYPE_CHECKING:
    from models import Customer
    from models.surveys import Survey, SurveyInvitation

MAX_NESTED = 100
state = delivery.state
DeliverySettings = delivery.DeliverySettings


async def survey_invitations(
    context: Context, survey: Survey, first: int | None, after: str | None
) -> Page[SurveyInvitation]:
    try:
        return await invites.survey_invitations(
            survey.brand_id, survey.id, PageRequest(first=first, after=after)
        )
    except PaginationError as exc:
        raise bad_input(str(exc)) from exc


async def _of_customers(keys: Sequence[BrandKey]) -> list[list[SurveyInvitation]]:
    found: dict[BrandKey, list[SurveyInvitation]] = defaultdict(list)
    for brand_id, ids in group_by_brand(keys).items():
        for row in await reads.newest_invitations(brand_id, ids, MAX_NESTED):
            found[(brand_id, row.customer_id)].append(row)
    return [found.get(key, []) for key in keys]


def _check_can_see(context: Context, customer: Customer) -> None:
    """Staff and partners need surveys:read; a customer sees only their own invitations."""
    principal = context.principal
    if principal is None or (principal.kind == "customer" and principal.subject_id == customer.id):
        return
    if not principal.has(Scope.SURVEYS_READ.value):
        raise StrawberryGraphQLError(
            f"requires scope {Scope.SURVEYS_READ.value}", extensions={"code": "FORBIDDEN"}
        )


async def customer_invitations(
    context: Context, customer: Customer, first: int
) -> list[SurveyInvitation]:
    _check_can_see(context, customer)
    if not 0 <= first <= MAX_NESTED:
        raise bad_input(f"first must be between 0 and {MAX_NESTED}")
    loader = get_loader(context, "customer_survey_invitations", _of_customers)
    return (await loader.load((customer.brand_id, customer.id)))[:first]


async def link(context: Context, invitation: SurveyInvitation) -> str | None:
    """The answer link, with the brand's template read once per request."""
    settings = context.loaders.get("survey_delivery_settings")
    if settings is None:
        settings = await delivery.delivery_settings(invitation.brand_id)
        context.loaders["survey_delivery_settings"] = settings
    return delivery.link(settings.link_template, invitation.token)


async def delivery_settings(context: Context) -> DeliverySettings:
    return await delivery.delivery_settings(context.require_brand().id)


async def configure(
    context: Context, link_template: str | None, reminder_hours: int | None
) -> MutationResult[DeliverySettings]:
    return await run(delivery.configure(context.actor, link_template, reminder_hours))


async def send_reminders(context: Context) -> MutationResult[int]:
    return await run(delivery.send_reminders(context.actor))
