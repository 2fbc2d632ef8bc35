"""A new brand opens and resolves tickets out of the box, with default categories and root
causes, until it configures its own."""

from __future__ import annotations

from config import Settings
from services.tickets.config import DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.ticket_helpers import CONFIGURE, RESOLVE, move, open_ticket

SETTINGS = "{ ticketSettings { categories rootCauses reopenDays } }"


async def test_a_new_brand_opens_and_resolves_a_ticket_without_configuring(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand("fresh"))
    shown = (await gql.data(SETTINGS, token=token))["ticketSettings"]
    assert shown["categories"] == list(DEFAULT_CATEGORIES)
    assert shown["rootCauses"] == list(DEFAULT_ROOT_CAUSES)
    customer = await create_customer(gql, token, name="Chen Jing")
    ticket = await open_ticket(gql, token, customer["id"], category="waiting_time")
    assert ticket["category"] == "waiting_time"
    await move(gql, token, ticket["id"], "OPEN")
    resolved = await gql.data(RESOLVE, {"id": ticket["id"], "rootCause": "process"}, token)
    assert resolved["resolveTicket"]["errors"] == []
    assert resolved["resolveTicket"]["ticket"]["rootCause"] == "process"


async def test_a_first_partial_configuration_keeps_the_defaults(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand("partial"))
    body = await gql.data(CONFIGURE, {"input": {"reopenDays": 3}}, token)
    assert body["configureTickets"]["errors"] == []
    shown = (await gql.data(SETTINGS, token=token))["ticketSettings"]
    assert shown == {
        "categories": list(DEFAULT_CATEGORIES),
        "rootCauses": list(DEFAULT_ROOT_CAUSES),
        "reopenDays": 3,
    }


async def test_a_brands_own_categories_replace_the_defaults(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand("own"))
    own = {"categories": ["haircut"], "rootCauses": ["stylist"]}
    assert (await gql.data(CONFIGURE, {"input": own}, token))["configureTickets"]["errors"] == []
    customer = await create_customer(gql, token, name="Liu Yang")
    opened = await gql.post(
        """mutation($input: OpenTicketInput!) { openTicket(input: $input) {
          ticket { id } errors { field code } } }""",
        {
            "input": {
                "customerId": customer["id"],
                "channel": "STORE",
                "category": "service",
                "subject": "x",
                "description": "y",
            }
        },
        token,
    )
    assert opened["data"]["openTicket"]["errors"] == [
        {"field": "category", "code": "UNKNOWN_CATEGORY"}
    ]
