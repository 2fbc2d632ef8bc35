"""Each event type's webhook body, documented as JSON Schema in docs/events/, checked against
what is really queued for webhooks after real operations; test messages; dead letters sent
again with their original webhook-id."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from jsonschema import Draft202012Validator, FormatChecker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from config import Settings
from events.catalogue import EVENT_TYPES
from events.payloads import schema
from models import Brand
from models.events import Webhook, WebhookDelivery
from models.surveys import SurveyInvitation
from server import create_app
from services.common.actor import Actor
from services.tickets import query as ticket_query
from tests.campaign_helpers import create_campaign, launch
from tests.event_script import newer_events
from tests.loyalty_support import AWARD, REFUND, mutate, record
from tests.offer_helpers import REDEEM, create_offer, issue
from tests.onboarding_support import settled
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.survey_helpers import answer, create_survey, invite
from tests.test_events_ws import free_port
from tests.ticket_helpers import CONFIGURE, SET_SLA, move, open_ticket

DOCS = Path(__file__).resolve().parent.parent / "docs" / "events"
SECRET = "partner-secret-0123456789"
MERGE = """mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {
  errors { code } } }"""
UPDATE = """mutation($input: UpdateCustomerInput!) { updateCustomer(input: $input) {
  errors { code } } }"""
DELETE = """mutation($input: DeleteCustomerInput!) { deleteCustomer(input: $input) {
  errors { code } } }"""
SEGMENT = """mutation($input: CreateSegmentInput!) { createSegment(input: $input) {
  segment { id } errors { code } } }"""
CONSENT = """mutation($input: SetCustomerConsentInput!) { setCustomerConsent(input: $input) {
  errors { code } } }"""
DELIVERY = """mutation($input: ConfigureSurveyDeliveryInput!) {
  configureSurveyDelivery(input: $input) { errors { code } } }"""
TEST = """mutation($input: SendTestWebhookInput!) { sendTestWebhook(input: $input) {
  delivery { messageId body succeeded statusCode error } errors { field code } } }"""
DEAD = """query($hook: ID) { webhookDeadLetters(webhookId: $hook, first: 10) {
  edges { node { id messageId status attempts eventType webhookId } } } }"""
REDELIVER = """mutation($input: RedeliverWebhookMessagesInput!) {
  redeliverWebhookMessages(input: $input) { count deliveries { id messageId status attempts }
  errors { field code message } } }"""


def validator(event_type: str) -> Draft202012Validator:
    return Draft202012Validator(schema(event_type), format_checker=FormatChecker())


def test_docs_hold_the_current_schema_of_every_event_type() -> None:
    for event_type in EVENT_TYPES:
        stored = json.loads((DOCS / f"{event_type}.json").read_text())
        assert stored == schema(event_type), (
            f"docs/events/{event_type}.json is out of date: run `crm event-schemas docs/events`"
        )
        Draft202012Validator.check_schema(stored)
    assert sorted(p.stem for p in DOCS.glob("*.json")) == sorted(EVENT_TYPES)


def test_a_schema_refuses_what_its_type_does_not_send() -> None:
    good: dict[str, Any] = {
        "type": "purchase.recorded",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "data": {
            "id": "1",
            "customerId": 4,
            "subjectType": "Purchase",
            "subjectId": "9",
            "amount": "12.50",
            "pointsEarned": 12,
        },
    }
    check = validator("purchase.recorded")
    assert not list(check.iter_errors(good))
    for broken in (
        {**good, "data": {**good["data"], "amount": 12.5}},
        {**good, "data": {**good["data"], "surprise": 1}},
        {**good, "type": "purchase.refunded"},
        {k: v for k, v in good.items() if k != "timestamp"},
    ):
        assert list(check.iter_errors(broken)), broken


async def survey_delivery(gql: GraphQL, token: str, customer: str) -> None:
    """Invitations sent by SMS, which the customer agrees to, and reminded after an hour."""
    sms = {
        "customerId": customer,
        "consents": [{"channel": "SMS", "granted": True}],
        "source": "APP",
    }
    assert (await gql.data(CONSENT, {"input": sms}, token))["setCustomerConsent"]["errors"] == []
    link = {"linkTemplate": "https://s.example.com/{token}", "reminderHours": 1}
    delivery = (await gql.data(DELIVERY, {"input": link}, token))["configureSurveyDelivery"]
    assert delivery["errors"] == []


async def every_event(gql: GraphQL, brand: Brand, token: str) -> None:
    """Real operations that emit every event type but the import and export jobs' ones."""
    assert (
        await gql.data(
            CONFIGURE, {"input": {"categories": ["delivery"], "rootCauses": ["courier"]}}, token
        )
    )["configureTickets"]["errors"] == []
    li = await create_customer(gql, token, name="Li", city="Hangzhou", tags=["vip"])
    twin = await create_customer(gql, token, name="Li Twin")
    assert (await gql.data(UPDATE, {"input": {"id": li["id"], "city": "Ningbo"}}, token))[
        "updateCustomer"
    ]["errors"] == []
    merge = {"sourceId": twin["id"], "targetId": li["id"]}
    assert (await gql.data(MERGE, {"input": merge}, token))["mergeCustomers"]["errors"] == []
    bought = await record(gql, token, customerId=li["id"], amount="80", externalId="e-1")
    refund = {"purchaseId": bought["purchase"]["id"], "amount": "10"}
    assert (await mutate(gql, token, REFUND, "refundPurchase", **refund))["errors"] == []
    award = {"customerId": li["id"], "points": 5, "reason": "welcome"}
    assert (await mutate(gql, token, AWARD, "awardPoints", **award))["errors"] == []
    offer = await create_offer(gql, token, title="5 off", amount="5")
    await issue(gql, token, offer["id"], "i-1", customerIds=[li["id"]])
    codes = await gql.data(
        "query($id: ID!) { customer(id: $id) { coupons(first: 1) { edges { node { code } } } } }",
        {"id": li["id"]},
        token,
    )
    code = codes["customer"]["coupons"]["edges"][0]["node"]["code"]
    redeem = {"code": code, "purchaseId": bought["purchase"]["id"]}
    assert (await gql.data(REDEEM, {"input": redeem}, token))["redeemCoupon"]["errors"] == []
    rest = {"purchaseId": bought["purchase"]["id"], "amount": "70"}  # fully refunded: restored
    assert (await mutate(gql, token, REFUND, "refundPurchase", **rest))["errors"] == []
    segment = await gql.data(
        SEGMENT, {"input": {"name": "N", "rule": {"city": {"in": ["Ningbo"]}}}}, token
    )
    promo = await create_offer(gql, token, title="Campaign 3 off", amount="3")
    campaign = await create_campaign(
        gql,
        token,
        segmentId=segment["createSegment"]["segment"]["id"],
        offerIds=[promo["id"]],
        holdoutPercent="0",
    )
    assert (await launch(gql, token, campaign["campaign"]["id"]))["errors"] == []
    policy = {"severity": "NORMAL", "firstResponseMinutes": 30, "resolutionMinutes": 120}
    assert (await gql.data(SET_SLA, {"input": policy}, token))["setSlaPolicy"]["errors"] == []
    ticket = await open_ticket(gql, token, li["id"])
    assert (await move(gql, token, ticket["id"], "OPEN"))["errors"] == []
    later = datetime.now(UTC) + timedelta(days=30)
    await ticket_query.mark_breaches(Actor.system(brand.id), later)
    await survey_delivery(gql, token, li["id"])
    survey = await create_survey(gql, token)
    invitation = (await invite(gql, token, survey["id"], [li["id"]]))[0]
    await SurveyInvitation.all().update(sent_at=datetime.now(UTC) - timedelta(hours=2))
    reminded = await gql.data("mutation { sendSurveyReminders { sent } }", {}, token)
    assert reminded["sendSurveyReminders"]["sent"] == 1
    nps = survey["questions"][0]["id"]
    answered = await answer(gql, invitation["token"], [{"questionId": nps, "score": 9}])
    assert answered["errors"] == []
    await newer_events(gql, token, brand.slug, li["id"])
    gone = await create_customer(gql, token, name="Gone")
    assert (await gql.data(DELETE, {"input": {"id": gone["id"]}}, token))["deleteCustomer"][
        "errors"
    ] == []


@pytest.fixture
async def patient_gql(settings: Settings) -> AsyncIterator[GraphQL]:
    """The app with a failing webhook never disabled: every event of the run is queued for it."""
    patient = dataclasses.replace(settings, webhook_disable_after=1_000_000)
    app = create_app(patient, manage_db=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield GraphQL(http)


async def test_what_is_queued_for_webhooks_matches_each_type_s_schema(
    patient_gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await Webhook.create(brand_id=brand.id, url="https://hooks.invalid/all", secret=SECRET)
    await every_event(patient_gql, brand, token)
    await settled()
    bodies = [json.loads(d.body) for d in await WebhookDelivery.filter(brand_id=brand.id)]
    seen: dict[str, int] = {}
    for body in bodies:
        errors = [e.message for e in validator(body["type"]).iter_errors(body)]
        assert not errors, (body, errors)
        seen[body["type"]] = seen.get(body["type"], 0) + 1
    jobs = {"import.completed", "export.completed"}  # tests/test_imports_api.py checks those
    assert set(seen) == set(EVENT_TYPES) - jobs, set(EVENT_TYPES) - jobs - set(seen)


class Receiver:
    def __init__(self) -> None:
        self.failing = True
        self.calls: list[dict[str, Any]] = []

    async def handle(self, request: Request) -> Response:
        body = (await request.body()).decode()
        msg_id = request.headers["webhook-id"]
        timestamp = request.headers["webhook-timestamp"]
        digest = hmac.new(
            SECRET.encode(), f"{msg_id}.{timestamp}.{body}".encode(), hashlib.sha256
        ).digest()
        signed = request.headers["webhook-signature"] == "v1," + base64.b64encode(digest).decode()
        self.calls.append(
            {"id": msg_id, "body": body, "signed": signed, "headers": dict(request.headers)}
        )
        test = request.headers.get("webhook-test") == "true"
        return Response("no", status_code=503) if self.failing and not test else Response("ok")


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    recv = Receiver()
    port = free_port()
    app = Starlette(routes=[Route("/hook", recv.handle, methods=["POST"])])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(100):
        if server.started:
            break
        await asyncio.sleep(0.05)
    yield recv, f"http://127.0.0.1:{port}/hook"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)


@pytest.fixture
async def fast_gql(settings: Settings) -> AsyncIterator[GraphQL]:
    """The app with webhooks to localhost allowed, two attempts, retries at once."""
    fast = dataclasses.replace(
        settings,
        webhook_allow_private=True,
        webhook_max_attempts=2,
        webhook_retry_base_seconds=0.05,
        events_poll_seconds=0.05,
    )
    app = create_app(fast, manage_db=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield GraphQL(http)


async def test_a_test_message_is_a_signed_sample_marked_as_a_test(
    fast_gql: GraphQL, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    recv, url = receiver
    brand = await make_brand()
    token = await app_token(settings, brand)
    other = await app_token(settings, await make_brand("other"))
    hook = await Webhook.create(brand_id=brand.id, url=url, secret=SECRET)
    from resolvers.ids import to_global_id

    hook_id = to_global_id("Webhook", hook.id)
    for event_type in ("purchase.recorded", "ticket.sla_breached", "import.completed"):
        variables = {"input": {"webhookId": hook_id, "eventType": event_type}}
        sent = (await fast_gql.data(TEST, variables, token))["sendTestWebhook"]
        assert sent["errors"] == [] and sent["delivery"]["succeeded"] is True
        call = recv.calls[-1]
        assert call["signed"] and call["headers"]["webhook-test"] == "true"
        assert call["id"] == sent["delivery"]["messageId"]
        assert call["id"].startswith("msg_test_")
        body = json.loads(call["body"])
        assert body["test"] is True and body["type"] == event_type
        assert not [e.message for e in validator(event_type).iter_errors(body)]
    unknown = {"input": {"webhookId": hook_id, "eventType": "pizza.delivered"}}
    refused = (await fast_gql.data(TEST, unknown, token))["sendTestWebhook"]
    assert refused["errors"] == [{"field": "eventType", "code": "INVALID"}]
    foreign = await fast_gql.data(
        TEST, {"input": {**unknown["input"], "eventType": "customer.created"}}, other
    )
    assert foreign["sendTestWebhook"]["errors"] == [{"field": "webhookId", "code": "NOT_FOUND"}]
    bare = """mutation($hook: ID!, $type: String!) { sendTestWebhook(webhookId: $hook,
      eventType: $type) { delivery { succeeded } errors { field code } } }"""
    plain = await fast_gql.data(bare, {"hook": hook_id, "type": "customer.created"}, token)
    assert plain["sendTestWebhook"] == {"delivery": {"succeeded": True}, "errors": []}
    assert not await WebhookDelivery.filter(webhook_id=hook.id).exists()  # tests are not queued


async def test_a_dead_lettered_delivery_is_sent_again_with_its_original_id(
    fast_gql: GraphQL, settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    recv, url = receiver
    brand = await make_brand()
    token = await app_token(settings, brand)
    other = await app_token(settings, await make_brand("other"))
    hook = await Webhook.create(
        brand_id=brand.id, url=url, secret=SECRET, event_types=["customer.created"]
    )
    await create_customer(fast_gql, token, name="Li")
    for _ in range(200):
        dead = (await fast_gql.data(DEAD, {}, token))["webhookDeadLetters"]["edges"]
        if dead:
            break
        await asyncio.sleep(0.05)
    (node,) = [e["node"] for e in dead]
    assert (node["status"], node["attempts"], node["eventType"]) == (
        "FAILED",
        2,
        "customer.created",
    )
    original = node["messageId"]
    assert [c["id"] for c in recv.calls] == [original, original]
    assert (await fast_gql.data(DEAD, {}, other))["webhookDeadLetters"]["edges"] == []
    stolen = await fast_gql.data(REDELIVER, {"input": {"deliveryIds": [node["id"]]}}, other)
    assert stolen["redeliverWebhookMessages"]["errors"][0]["code"] == "NOT_FOUND"

    recv.failing = False
    again = (await fast_gql.data(REDELIVER, {"input": {"deliveryIds": [node["id"]]}}, token))[
        "redeliverWebhookMessages"
    ]
    assert again["errors"] == [] and again["count"] == 1
    assert again["deliveries"][0]["messageId"] == original
    for _ in range(200):
        if len(recv.calls) == 3:
            break
        await asyncio.sleep(0.05)
    assert [c["id"] for c in recv.calls] == [original] * 3  # the same webhook-id
    assert recv.calls[2]["body"] == recv.calls[0]["body"]
    for _ in range(100):
        delivery = await WebhookDelivery.get(webhook_id=hook.id)
        if delivery.status == "SUCCEEDED":
            break
        await asyncio.sleep(0.05)
    assert delivery.status == "SUCCEEDED"
    assert (await fast_gql.data(DEAD, {}, token))["webhookDeadLetters"]["edges"] == []
    twice = await fast_gql.data(REDELIVER, {"input": {"deliveryIds": [node["id"]]}}, token)
    assert twice["redeliverWebhookMessages"]["errors"][0]["code"] == "CONFLICT"
    bare = """mutation($ids: [ID!]) { redeliverWebhookMessages(deliveryIds: $ids) {
      count errors { code } } }"""
    plain = await fast_gql.data(bare, {"ids": [node["id"]]}, token)
    assert plain["redeliverWebhookMessages"] == {"count": 0, "errors": [{"code": "CONFLICT"}]}
    everything = await fast_gql.data(REDELIVER, {"input": {"all": True}}, token)
    assert everything["redeliverWebhookMessages"]["count"] == 0
