"""The typed events read exactly what the services write into the outbox."""

from __future__ import annotations

from typing import Any

from config import Settings
from events.outbox import Event
from models.events import OutboxEvent
from schema.events.types import to_graphql
from tests.loyalty_support import AWARD, mutate, record
from tests.support import GraphQL
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import open_ticket, setup_brand


async def _typed(event_type: str) -> Any:
    row = await OutboxEvent.filter(type=event_type).order_by("-seq").first()
    assert row is not None, event_type
    return to_graphql(Event.from_row(row))


async def test_typed_fields_match_the_emitted_payloads(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings, detractorFollowUp=False)
    cid = customer["id"]
    bought = await record(gql, token, customerId=cid, amount="88.00")
    await mutate(gql, token, AWARD, "awardPoints", customerId=cid, points=25, reason="gift")
    ticket = await open_ticket(gql, token, cid, severity="URGENT")
    survey = await create_survey(gql, token)
    [invitation] = await invite(gql, token, survey["id"], [cid])
    submitted = await answer(gql, invitation["token"], [{"questionId": "q1", "score": 6}])

    purchase = await _typed("purchase.recorded")
    assert (purchase.purchase_id(), purchase.amount()) == (bought["purchase"]["id"], "88.00")
    points = await _typed("points.changed")
    assert (points.delta(), points.kind()) == (25, "EARN")
    assert points.balance() is not None and points.balance() >= 25  # purchases earn too
    assert points.transaction_id() is not None
    tier = await _typed("membership.tier_changed")
    assert tier.to_tier() == "Regular" and tier.from_tier() is None and tier.reason()
    created = await _typed("ticket.created")
    assert (created.ticket_id(), created.status()) == (ticket["id"], "NEW")
    answered = await _typed("survey.response_submitted")
    assert answered.score() == 6
    assert answered.survey_id() == survey["id"]
    assert answered.response_id() == submitted["response"]["id"]
    assert answered.customer_id() == cid


async def test_a_failing_reaction_is_undone_alone(settings: Settings) -> None:
    from events.broker import Broker
    from events.outbox import emit
    from events.reactions import REACTIONS, react
    from events.relay import Relay
    from models import CustomerNote
    from services.common.actor import Actor
    from services.customers import customers
    from tests.support import make_brand

    brand = await make_brand()
    actor = Actor(brand.id, "system", "test", "test")
    customer = await customers.create_customer(actor, brand, {"name": "Reacted"})

    @react("customer.deleted")
    async def half_done(event: Event) -> None:
        await CustomerNote.create(brand_id=brand.id, customer_id=customer.id, body="x", author="t")
        raise RuntimeError("boom")

    try:
        await emit(actor, "customer.deleted", customer_id=customer.id)
        relay = Relay(settings, Broker())
        while await relay.relay_once():
            pass
        assert await OutboxEvent.filter(published_at=None).count() == 0
        assert await CustomerNote.filter(customer_id=customer.id).count() == 0
    finally:
        REACTIONS["customer.deleted"].remove(half_done)
