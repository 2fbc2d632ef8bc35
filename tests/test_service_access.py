"""Customers on their own tickets, notes kept internal, compensation linked, merges, sending."""

from __future__ import annotations

import asyncio
from typing import Any

from auth.tokens import issue_token
from config import Settings
from events.broker import Broker
from events.relay import Relay
from models import AuditEntry, Membership, PointsTransaction
from models.events import OutboxEvent
from models.stores import Store
from models.surveys import SurveyInvitation, SurveyResponse
from models.tickets import Ticket, TicketMessage
from resolvers.ids import decode_id, to_global_id
from services.common.actor import Actor
from services.segments import segments
from tests.loyalty_support import record
from tests.support import GraphQL, app_token, create_customer, error_codes
from tests.survey_helpers import SEND, answer, create_survey, invite
from tests.ticket_helpers import (
    CONFIGURE,
    NOTE,
    OPEN,
    RATE,
    REPLY,
    RESOLVE,
    move,
    open_ticket,
    setup_brand,
)

MY_TICKETS = """query { tickets(first: 10) { totalCount edges { node { id subject
  replies { body } customer { name phone } } } } }"""
THEIRS = "query($id: ID!) { ticket(id: $id) { id subject } }"
NOTES = "query($id: ID!) { ticket(id: $id) { id internalNotes { body } } }"
COMPENSATE = """mutation($input: CompensateTicketInput!) { compensateTicket(input: $input) {
  pointsTransaction { id amount } errors { field code } } }"""
COMPENSATIONS = "query($id: ID!) { ticket(id: $id) { compensations { id amount reason } } }"
MERGE = """mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  customer { id } errors { field code } } }"""


async def drain(settings: Settings) -> None:
    """Relay until the outbox is empty (the app's own relay may hold the lock meanwhile)."""
    relay = Relay(settings, Broker())
    for _ in range(500):
        await relay.relay_once()
        if not await OutboxEvent.filter(published_at=None).exists():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox was not drained")


def customer_token(settings: Settings, slug: str, customer_gid: str) -> str:
    pk = decode_id(customer_gid, "Customer")
    return issue_token(settings, "customer", pk, slug, frozenset(), 600).token


def open_values(customer_id: str) -> dict[str, Any]:
    return {
        "customerId": customer_id,
        "channel": "APP",
        "category": "product",
        "severity": "HIGH",
        "subject": "Broken cup",
        "description": "It arrived broken",
    }


async def test_a_customer_opens_sees_replies_and_rates_its_own_tickets(
    gql: GraphQL, settings: Settings
) -> None:
    brand, staff, customer = await setup_brand(gql, settings)
    other = await create_customer(gql, staff, name="Someone Else", phone="13900139000")
    theirs = await open_ticket(gql, staff, other["id"])
    me = customer_token(settings, brand.slug, customer["id"])

    opened = (await gql.data(OPEN, {"input": open_values(customer["id"])}, me))["openTicket"]
    assert opened["errors"] == [] and opened["ticket"]["status"] == "NEW"
    mine = opened["ticket"]["id"]
    for_other = await gql.data(OPEN, {"input": open_values(other["id"])}, me)
    assert for_other["openTicket"]["errors"] == [
        {"field": "customerId", "code": "NOT_FOUND", "message": "customer not found"}
    ]
    assert await Ticket.filter(customer_id=decode_id(other["id"], "Customer")).count() == 1

    await gql.data(REPLY, {"id": mine, "body": "We are on it"}, staff)
    await gql.data(NOTE, {"id": mine, "body": "customer is rude"}, staff)
    await move(gql, staff, mine, "PENDING_CUSTOMER")
    reply = (await gql.data(REPLY, {"id": mine, "body": "Photo attached"}, me))["replyToTicket"]
    assert reply["errors"] == [] and reply["ticket"]["status"] == "OPEN"  # clock resumes

    listing = (await gql.data(MY_TICKETS, token=me))["tickets"]
    assert listing["totalCount"] == 1
    [node] = [e["node"] for e in listing["edges"]]
    assert node["id"] == mine
    assert [r["body"] for r in node["replies"]] == ["We are on it", "Photo attached"]
    assert node["customer"]["name"] == "Li Wei"

    notes = await gql.post(NOTES, {"id": mine}, me)
    assert error_codes(notes) == ["FORBIDDEN"]
    assert notes["data"]["ticket"]["internalNotes"] is None
    note = await gql.post(NOTE, {"id": mine, "body": "me too"}, me)
    assert error_codes(note) == ["FORBIDDEN"]
    assert (await gql.data(THEIRS, {"id": theirs["id"]}, me))["ticket"] is None
    reply_theirs = await gql.data(REPLY, {"id": theirs["id"], "body": "hi"}, me)
    assert reply_theirs["replyToTicket"]["errors"][0]["code"] == "NOT_FOUND"
    move_own = await gql.post(
        "mutation($id: ID!) { transitionTicket(input: {ticketId: $id, to: PENDING_CUSTOMER}) "
        "{ errors { code } } }",
        {"id": mine},
        me,
    )
    assert error_codes(move_own) == ["FORBIDDEN"]

    early = (await gql.data(RATE, {"id": mine, "score": 5}, me))["rateTicket"]
    assert early["errors"][0]["code"] == "NOT_RESOLVED"
    assert (await gql.data(RESOLVE, {"id": mine, "rootCause": "stock"}, staff))["resolveTicket"][
        "errors"
    ] == []
    rated = (await gql.data(RATE, {"id": mine, "score": 4}, me))["rateTicket"]
    assert rated["errors"] == [] and rated["ticket"]["rating"]["score"] == 4
    again = (await gql.data(RATE, {"id": mine, "score": 1}, me))["rateTicket"]
    assert again["errors"][0]["code"] == "ALREADY_RATED"
    assert await TicketMessage.filter(internal=True).count() == 1


async def test_partners_without_tickets_write_never_see_notes(
    gql: GraphQL, settings: Settings
) -> None:
    brand, staff, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, staff, customer["id"])
    await gql.data(NOTE, {"id": ticket["id"], "body": "internal"}, staff)
    reader = await app_token(settings, brand, "tickets:read customers:read")
    body = await gql.post(NOTES, {"id": ticket["id"]}, reader)
    assert error_codes(body) == ["FORBIDDEN"]
    assert body["data"]["ticket"] == {"id": ticket["id"], "internalNotes": None}
    writer = await app_token(settings, brand, "tickets:write")
    notes = (await gql.data(NOTES, {"id": ticket["id"]}, writer))["ticket"]["internalNotes"]
    assert notes == [{"body": "internal"}]


async def test_compensation_is_listed_on_the_ticket_and_emitted_once(
    gql: GraphQL, settings: Settings
) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    other = await open_ticket(gql, token, customer["id"])
    values = {"ticketId": ticket["id"], "points": 30, "reason": "sorry", "idempotencyKey": "k1"}
    for _ in range(2):
        payload = (await gql.data(COMPENSATE, {"input": values}, token))["compensateTicket"]
        assert payload["errors"] == []
    listed = (await gql.data(COMPENSATIONS, {"id": ticket["id"]}, token))["ticket"]
    assert [(c["amount"], c["reason"]) for c in listed["compensations"]] == [
        (30, f"Ticket {decode_id(ticket['id'], 'Ticket')}: sorry")
    ]
    assert (await gql.data(COMPENSATIONS, {"id": other["id"]}, token))["ticket"][
        "compensations"
    ] == []
    updates = await OutboxEvent.filter(type="ticket.updated")
    compensations = [e for e in updates if e.payload.get("operation") == "compensateTicket"]
    assert len(compensations) == 1
    assert await OutboxEvent.filter(type="points.changed").count() == 1
    assert await AuditEntry.filter(operation="compensateTicket").count() == 1


async def test_merge_moves_tickets_invitations_and_responses(
    gql: GraphQL, settings: Settings
) -> None:
    _, token, keep = await setup_brand(gql, settings, detractorFollowUp=False)
    gone = await create_customer(gql, token, name="Duplicate", email="dup@example.com")
    ticket = await open_ticket(gql, token, gone["id"])
    survey = await create_survey(gql, token)
    [answered] = await invite(gql, token, survey["id"], [gone["id"]])
    [pending] = await invite(gql, token, survey["id"], [gone["id"]])
    assert (await answer(gql, answered["token"], [{"questionId": "q1", "score": 9}]))[
        "errors"
    ] == []
    body = await gql.data(MERGE, {"input": {"sourceId": gone["id"], "targetId": keep["id"]}}, token)
    assert body["mergeCustomers"]["errors"] == []
    keep_pk = decode_id(keep["id"], "Customer")
    assert (await Ticket.get(id=decode_id(ticket["id"], "Ticket"))).customer_id == keep_pk
    assert {i.customer_id for i in await SurveyInvitation.all()} == {keep_pk}
    assert {r.customer_id for r in await SurveyResponse.all()} == {keep_pk}
    assert pending["token"]


async def test_purchase_survey_is_sent_once_per_purchase(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings)
    survey = await create_survey(gql, token)
    configured = await gql.data(CONFIGURE, {"input": {"purchaseSurveyId": survey["id"]}}, token)
    assert configured["configureTickets"]["errors"] == []
    bought = await record(
        gql, token, customerId=customer["id"], amount="30", channel="wechat", storeId="SH-01"
    )
    assert bought["errors"] == []
    await drain(settings)
    [invitation] = await SurveyInvitation.filter(trigger="PURCHASE")
    assert invitation.purchase_id == decode_id(bought["purchase"]["id"], "Purchase")
    store = await Store.get(id=invitation.store_id)  # the free-text store became a store
    assert (invitation.channel, store.code) == ("WECHAT", "SH-01")
    assert invitation.customer_id == decode_id(customer["id"], "Customer")
    # a replayed event (at-least-once relay) does not invite twice
    await OutboxEvent.filter(type="purchase.recorded").update(published_at=None)
    await drain(settings)
    assert await SurveyInvitation.filter(trigger="PURCHASE").count() == 1
    # turned off: no invitation
    await gql.data(CONFIGURE, {"input": {"purchaseSurveyId": None}}, token)
    await record(gql, token, customerId=customer["id"], amount="10")
    await drain(settings)
    assert await SurveyInvitation.filter(trigger="PURCHASE").count() == 1
    assert brand.id


async def test_send_survey_to_a_segment(gql: GraphQL, settings: Settings) -> None:
    brand, token, customer = await setup_brand(gql, settings)
    xian = [await create_customer(gql, token, name=f"X{i}", city="Xi'an") for i in range(2)]
    await create_customer(gql, token, name="Elsewhere", city="Beijing")
    segment = await segments.create_segment(
        Actor(brand.id, "system", "test", "t"),
        segments.SegmentSpec(name="Xi'an", rule={"city": {"in": ["Xi'an"]}}),
    )
    segment_gid = to_global_id("Segment", segment.id)
    survey = await create_survey(gql, token)
    values = {"surveyId": survey["id"], "segmentId": segment_gid, "customerIds": [customer["id"]]}
    sent = (await gql.data(SEND, {"input": values}, token))["sendSurvey"]
    assert sent["errors"] == []
    assert sorted(i["customerId"] for i in sent["invitations"]) == sorted(
        [customer["id"], *(c["id"] for c in xian)]
    )
    # re-sending reaches only members not yet invited
    newcomer = await create_customer(gql, token, name="X9", city="Xi'an")
    again = (
        await gql.data(SEND, {"input": {"surveyId": survey["id"], "segmentId": segment_gid}}, token)
    )["sendSurvey"]
    assert [i["customerId"] for i in again["invitations"]] == [newcomer["id"]]
    missing = {"surveyId": survey["id"], "segmentId": segment_gid.replace("=", "") + "x"}
    bad = await gql.post(SEND, {"input": missing}, token)
    codes = error_codes(bad) or [e["code"] for e in bad["data"]["sendSurvey"]["errors"]]
    assert codes and await SurveyInvitation.all().count() == 4
    _, other_token, _ = await setup_brand(gql, settings, slug="other")
    other_survey = await create_survey(gql, other_token)
    foreign = {"surveyId": other_survey["id"], "segmentId": segment_gid}
    result = (await gql.data(SEND, {"input": foreign}, other_token))["sendSurvey"]
    assert result["errors"] == [{"field": "segmentId", "code": "NOT_FOUND"}]
    assert await SurveyInvitation.all().count() == 4


async def test_concurrent_compensations_award_once(gql: GraphQL, settings: Settings) -> None:
    _, token, customer = await setup_brand(gql, settings)
    ticket = await open_ticket(gql, token, customer["id"])
    values = {"ticketId": ticket["id"], "points": 50, "reason": "late", "idempotencyKey": "c-1"}
    results = await asyncio.gather(
        *(gql.data(COMPENSATE, {"input": values}, token) for _ in range(6))
    )
    ids = {r["compensateTicket"]["pointsTransaction"]["id"] for r in results}
    assert len(ids) == 1 and all(r["compensateTicket"]["errors"] == [] for r in results)
    assert await PointsTransaction.filter(source="ticket").count() == 1
    assert (await Membership.get(customer_id=decode_id(customer["id"], "Customer"))).available == 50
