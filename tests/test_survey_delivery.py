"""Survey invitations reach customers: consented channel, link, state, events, webhook, reminder."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest

from config import Settings
from events.outbox import events_after
from models.surveys import SurveyInvitation
from server import create_app
from services.loyalty.config import utcnow
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand
from tests.survey_helpers import SEND, answer, create_survey
from tests.test_events_delivery import FlakyReceiver, serve  # noqa: F401

CONFIGURE = """mutation($link: String, $hours: Int) {
  configureSurveyDelivery(input: {linkTemplate: $link, reminderHours: $hours}) {
    delivery { linkTemplate reminderHours } errors { field code } } }"""
CONSENT = """mutation($id: ID!, $channels: [ConsentChoice!]!) {
  setCustomerConsent(input: {customerId: $id, consents: $channels, source: "APP"}) {
    errors { code } } }"""
INVITATIONS = """query($id: ID!) { survey(id: $id) { invitations(first: 10) {
  edges { node { id customerId deliveryChannel state link trigger sentAt openedAt answeredAt
  remindedAt } } } } }"""
OF_CUSTOMER = """query($id: ID!) { customer(id: $id) { surveyInvitations {
  surveyId deliveryChannel state trigger ticketId } } }"""
LINK = "https://shop.example.com/survey/{token}"


async def consent(gql: GraphQL, token: str, customer_id: str, *channels: str) -> None:
    choices = [{"channel": c, "granted": True} for c in channels]
    body = await gql.data(CONSENT, {"id": customer_id, "channels": choices}, token)
    assert body["setCustomerConsent"]["errors"] == []


async def people(gql: GraphQL, token: str) -> dict[str, dict[str, Any]]:
    found = {name: await create_customer(gql, token, name=name) for name in ("An", "Bo", "Cy")}
    await consent(gql, token, found["An"]["id"], "SMS", "EMAIL")
    await consent(gql, token, found["Cy"]["id"], "WECHAT")
    return found  # Bo consented to nothing


async def test_invitations_go_out_only_on_consented_channels_with_their_link(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    configured = await gql.data(CONFIGURE, {"link": LINK, "hours": 24}, token)
    assert configured["configureSurveyDelivery"]["delivery"] == {
        "linkTemplate": LINK,
        "reminderHours": 24,
    }
    who = await people(gql, token)
    survey = await create_survey(gql, token)
    ids = [who[n]["id"] for n in ("An", "Bo", "Cy")]
    sent = await gql.data(SEND, {"input": {"surveyId": survey["id"], "customerIds": ids}}, token)
    assert sent["sendSurvey"]["errors"] == []
    edges = (await gql.data(INVITATIONS, {"id": survey["id"]}, token))["survey"]["invitations"]
    by_customer = {e["node"]["customerId"]: e["node"] for e in edges["edges"]}
    assert {n: by_customer[who[n]["id"]]["deliveryChannel"] for n in who} == {
        "An": "SMS",
        "Bo": None,
        "Cy": "WECHAT",
    }
    assert {n: by_customer[who[n]["id"]]["state"] for n in who} == {
        "An": "SENT",
        "Bo": "NOT_SENT",
        "Cy": "SENT",
    }
    an = by_customer[who["An"]["id"]]
    tokens = {i["customerId"]: i["token"] for i in sent["sendSurvey"]["invitations"]}
    assert an["link"] == LINK.replace("{token}", tokens[who["An"]["id"]])
    events = [e for e in await events_after(brand.id, 0) if e.type == "survey.invitation_created"]
    assert sorted((e.customer_id, e.payload["deliveryChannel"]) for e in events) == sorted(
        [(int_id(who["An"]["id"]), "SMS"), (int_id(who["Cy"]["id"]), "WECHAT")]
    )
    assert {e.payload["link"] for e in events} == {
        LINK.replace("{token}", tokens[who[n]["id"]]) for n in ("An", "Cy")
    }
    # opened, then answered
    form = await gql.data(
        "query($t: String!) { surveyForm(token: $t) { open } }", {"t": tokens[who["An"]["id"]]}
    )
    assert form["surveyForm"]["open"] is True
    mine = (await gql.data(OF_CUSTOMER, {"id": who["An"]["id"]}, token))["customer"]
    assert mine["surveyInvitations"][0]["state"] == "OPENED"
    await answer(gql, tokens[who["An"]["id"]], [{"questionId": "q1", "score": 9}])
    mine = (await gql.data(OF_CUSTOMER, {"id": who["An"]["id"]}, token))["customer"]
    assert mine["surveyInvitations"] == [
        {
            "surveyId": survey["id"],
            "deliveryChannel": "SMS",
            "state": "ANSWERED",
            "trigger": "MANUAL",
            "ticketId": None,
        }
    ]


def int_id(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().partition(":")[2])


async def test_a_chosen_channel_reaches_only_those_who_consented_to_it(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    who = await people(gql, token)
    survey = await create_survey(gql, token)
    ids = [who[n]["id"] for n in ("An", "Cy")]
    body = await gql.data(
        SEND,
        {"input": {"surveyId": survey["id"], "customerIds": ids, "deliveryChannel": "EMAIL"}},
        token,
    )
    assert body["sendSurvey"]["errors"] == []
    edges = (await gql.data(INVITATIONS, {"id": survey["id"]}, token))["survey"]["invitations"]
    channels = {e["node"]["customerId"]: e["node"]["deliveryChannel"] for e in edges["edges"]}
    assert channels == {who["An"]["id"]: "EMAIL", who["Cy"]["id"]: None}
    assert edges["edges"][0]["node"]["link"] is None  # no template configured


async def test_one_reminder_after_the_delay_for_the_unanswered_and_still_consenting(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    await gql.data(CONFIGURE, {"link": LINK, "hours": 24}, token)
    who = await people(gql, token)
    survey = await create_survey(gql, token)
    ids = [who[n]["id"] for n in ("An", "Bo", "Cy")]
    sent = await gql.data(SEND, {"input": {"surveyId": survey["id"], "customerIds": ids}}, token)
    tokens = {i["customerId"]: i["token"] for i in sent["sendSurvey"]["invitations"]}
    remind = "mutation { sendSurveyReminders { sent errors { code } } }"
    assert (await gql.data(remind, token=token))["sendSurveyReminders"]["sent"] == 0  # not due
    # a day passes: An answered, Cy withdrew consent on WeChat, Bo was never sent anything
    await SurveyInvitation.filter(brand_id=brand.id).update(sent_at=utcnow() - timedelta(hours=25))
    await answer(gql, tokens[who["An"]["id"]], [{"questionId": "q1", "score": 10}])
    dana = await create_customer(gql, token, name="Di")
    await consent(gql, token, dana["id"], "PUSH")
    await gql.data(SEND, {"input": {"surveyId": survey["id"], "customerIds": [dana["id"]]}}, token)
    await SurveyInvitation.filter(brand_id=brand.id, customer_id=int_id(dana["id"])).update(
        sent_at=utcnow() - timedelta(hours=30)
    )
    withdraw = """mutation($id: ID!) { setCustomerConsent(input: {customerId: $id,
      consents: [{channel: WECHAT, granted: false}], source: "STOP"}) { errors { code } } }"""
    await gql.data(withdraw, {"id": who["Cy"]["id"]}, token)
    assert (await gql.data(remind, token=token))["sendSurveyReminders"]["sent"] == 1
    assert (await gql.data(remind, token=token))["sendSurveyReminders"]["sent"] == 0  # once
    reminded = [
        e for e in await events_after(brand.id, 0) if e.type == "survey.invitation_reminded"
    ]
    assert [(e.customer_id, e.payload["deliveryChannel"]) for e in reminded] == [
        (int_id(dana["id"]), "PUSH")
    ]
    edges = (await gql.data(INVITATIONS, {"id": survey["id"]}, token))["survey"]["invitations"]
    times = {e["node"]["customerId"]: e["node"]["remindedAt"] for e in edges["edges"]}
    assert times[who["An"]["id"]] is None and times[who["Bo"]["id"]] is None
    assert times[dana["id"]] is not None and times[who["Cy"]["id"]] is not None


async def test_the_detractor_follow_up_survey_is_visible_and_delivered(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    customer = await create_customer(gql, token, name="Unhappy")
    await consent(gql, token, customer["id"], "EMAIL")
    nps = await create_survey(gql, token)
    follow_up = await create_survey(gql, token, name="After your complaint")
    await gql.data(
        """mutation($id: ID!) { configureTickets(input: {rootCauses: ["staff"],
             followUpSurveyId: $id}) { errors { code } } }""",
        {"id": follow_up["id"]},
        token,
    )
    sent = await gql.data(
        SEND, {"input": {"surveyId": nps["id"], "customerIds": [customer["id"]]}}, token
    )
    answered = await answer(
        gql, sent["sendSurvey"]["invitations"][0]["token"], [{"questionId": "q1", "score": 2}]
    )
    ticket_id = answered["response"]["followUpTicketId"]
    await gql.data(
        """mutation($id: ID!) { transitionTicket(input: {ticketId: $id, to: OPEN}) {
             errors { code } } }""",
        {"id": ticket_id},
        token,
    )
    resolved = await gql.data(
        """mutation($id: ID!) { resolveTicket(input: {ticketId: $id, resolution: "called back",
             rootCause: "staff"}) { errors { code message } } }""",
        {"id": ticket_id},
        token,
    )
    assert resolved["resolveTicket"]["errors"] == []
    mine = (await gql.data(OF_CUSTOMER, {"id": customer["id"]}, token))["customer"]
    assert mine["surveyInvitations"][0] == {
        "surveyId": follow_up["id"],
        "deliveryChannel": "EMAIL",
        "state": "SENT",
        "trigger": "TICKET_RESOLVED",
        "ticketId": ticket_id,
    }
    created = [e for e in await events_after(brand.id, 0) if e.type == "survey.invitation_created"]
    assert [e.payload["surveyId"] for e in created] == [int_id(nps["id"]), int_id(follow_up["id"])]


async def test_refusals(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    admin = await app_token(settings, brand)
    for variables, field in (
        ({"link": "https://x.example.com/no-token", "hours": None}, "linkTemplate"),
        ({"link": "ftp://x/{token}", "hours": None}, "linkTemplate"),
        ({"link": None, "hours": 0}, "reminderHours"),
        ({"link": None, "hours": 721}, "reminderHours"),
    ):
        body = await gql.data(CONFIGURE, variables, admin)
        assert body["configureSurveyDelivery"]["errors"] == [{"field": field, "code": "INVALID"}]
    writer = await app_token(settings, brand, "surveys:write customers:read")
    assert error_codes(await gql.post(CONFIGURE, {"link": None}, writer)) == ["FORBIDDEN"]
    reader = await app_token(settings, brand, "surveys:read customers:read")
    survey = await create_survey(gql, admin)
    customer = await create_customer(gql, admin, name="X")
    await gql.data(
        SEND, {"input": {"surveyId": survey["id"], "customerIds": [customer["id"]]}}, admin
    )
    body = await gql.post(
        """query($id: ID!) { survey(id: $id) { invitations { edges { node { link } } } } }""",
        {"id": survey["id"]},
        reader,
    )
    assert error_codes(body) == ["FORBIDDEN"]  # the link holds the token: surveys:write
    no_surveys = await app_token(settings, brand, "customers:read")
    body = await gql.post(OF_CUSTOMER, {"id": customer["id"]}, no_surveys)
    assert error_codes(body) == ["FORBIDDEN"]
    body = await gql.post(
        """query($id: ID!) { survey(id: $id) { invitations(first: 101) { edges { cursor } } } }""",
        {"id": survey["id"]},
        admin,
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert error_codes(
        await gql.post("mutation { sendSurveyReminders { sent } }", token=reader)
    ) == ["FORBIDDEN"]


@pytest.fixture
async def live(settings: Settings) -> AsyncIterator[GraphQL]:
    """The app with its relay and webhook dispatcher running, allowed to call a local receiver."""
    quick = replace(
        settings,
        webhook_allow_private=True,
        webhook_retry_base_seconds=0.1,
        events_poll_seconds=0.1,
    )
    app = create_app(quick, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as client,
    ):
        yield GraphQL(client)


async def test_invitation_events_reach_the_brands_messaging_webhook(
    live: GraphQL,
    settings: Settings,
    serve: Callable[[FlakyReceiver], Any],  # noqa: F811
) -> None:
    gql = live
    brand = await make_brand()
    token = await app_token(settings, brand)
    await gql.data(CONFIGURE, {"link": LINK, "hours": None}, token)
    recv = FlakyReceiver(fail_first=0)
    bodies: list[dict[str, Any]] = []
    handle = recv.handle

    async def keep(request: Any) -> Any:
        bodies.append(json.loads(await request.body()))
        return await handle(request)

    recv.handle = keep  # type: ignore[method-assign]
    url = await serve(recv)
    hook = await gql.data(
        """mutation($url: String!) { createWebhook(input: {url: $url, secret:
             "partner-secret-0123456789", eventTypes: ["survey.invitation_created"]}) {
             errors { field code message } } }""",
        {"url": url},
        token,
    )
    assert hook["createWebhook"]["errors"] == []
    who = await people(gql, token)
    survey = await create_survey(gql, token)
    ids = [who[n]["id"] for n in ("An", "Bo", "Cy")]
    sent = await gql.data(SEND, {"input": {"surveyId": survey["id"], "customerIds": ids}}, token)
    tokens = {i["customerId"]: i["token"] for i in sent["sendSurvey"]["invitations"]}
    for _ in range(200):
        if len(bodies) >= 2:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # nothing more arrives: Bo consented to no channel
    assert len(bodies) == 2
    got = {
        (b["data"]["customerId"], b["data"]["deliveryChannel"], b["data"]["link"]) for b in bodies
    }
    assert got == {
        (int_id(who["An"]["id"]), "SMS", LINK.replace("{token}", tokens[who["An"]["id"]])),
        (int_id(who["Cy"]["id"]), "WECHAT", LINK.replace("{token}", tokens[who["Cy"]["id"]])),
    }
    assert {b["type"] for b in bodies} == {"survey.invitation_created"}
