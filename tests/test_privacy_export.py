"""A customer's data export (a job, its state, a signed download) against a customer with every
kind of record, and the same export after erasure: no personal field left, accounting kept."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from config import Settings
from events.outbox import events_after
from models import Customer
from models.offers import Coupon
from tests.loyalty_support import ADJUST, record
from tests.offer_helpers import create_offer, issue, redeem
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand
from tests.survey_helpers import answer, create_survey, invite
from tests.ticket_helpers import NOTE, OPEN, REPLY, RESOLVE, TRANSITION

EXPORT = """mutation($id: ID!) { exportCustomerData(customerId: $id) {
  export { id state customerId formatVersion } errors { field code } } }"""
STATUS = """query($id: ID!) { customerDataExport(id: $id) { id state sectionsDone sectionsTotal
  error download { url method expiresAt } } }"""
DELETE = """mutation($id: ID!) { deleteCustomer(input: {id: $id}) { deletedId errors { code } } }"""
PERSONAL = {
    "name": "Zhou Xiaomei",
    "phone": "+8613812345678",
    "email": "xiaomei.zhou@example.com",
    "birthday": "1990-04-12",
    "address": "88 Nanjing Road, Huangpu",
    "city": "Shanghai",
    "region": "East",
    "acquisitionChannel": "wechat-ad",
}
NOTE_TEXT = "Allergic to almonds, prefers oat milk"
TICKET_SUBJECT = "Barista was rude at Huangpu store"
TICKET_TEXT = "My order was wrong and nobody listened"
REPLY_TEXT = "We are sorry, Ms Zhou, a voucher is on its way"
INTERNAL_TEXT = "Customer called twice, seemed upset"
ANSWER_TEXT = "The new oat latte is too sweet"
ADJUST_REASON = "Goodwill for Ms Zhou's complaint"


async def a_customer_with_everything(gql: GraphQL, token: str) -> dict[str, Any]:
    await gql.data(
        'mutation { configureTickets(input: {categories: ["service"], rootCauses: ["staff"]})'
        " { errors { code } } }",
        token=token,
    )
    customer = await create_customer(
        gql,
        token,
        **PERSONAL,
        gender="FEMALE",
        tags=["vip", "oat-milk"],
        externalIds=[{"system": "pos", "externalId": "POS-777"}],
    )
    cid = customer["id"]
    await gql.data(
        """mutation($id: ID!, $b: String!) { addCustomerNote(input: {customerId: $id, body: $b}) {
             errors { code } } }""",
        {"id": cid, "b": NOTE_TEXT},
        token,
    )
    await gql.data(
        """mutation($id: ID!) { setCustomerConsent(input: {customerId: $id, source: "STORE_FORM",
             consents: [{channel: SMS, granted: true}, {channel: WECHAT, granted: true}]}) {
             errors { code } } }""",
        {"id": cid},
        token,
    )
    items = [
        {
            "sku": "LAT-1",
            "name": "Oat latte",
            "category": "coffee",
            "quantity": 2,
            "unitPrice": "40",
        }
    ]
    purchase = await record(
        gql, token, customerId=cid, amount="80", items=items, externalId="R-1001"
    )
    assert purchase["errors"] == []
    adjusted = await gql.data(
        ADJUST, {"input": {"customerId": cid, "points": 15, "reason": ADJUST_REASON}}, token
    )
    assert adjusted["adjustPoints"]["errors"] == []
    offer = await create_offer(gql, token, title="Ten off")
    await issue(gql, token, offer["id"], "k1", customerIds=[cid])
    redeemed = await redeem(gql, token, (await Coupon.get()).code, purchase["purchase"]["id"])
    assert redeemed["errors"] == []
    opened = await gql.data(
        OPEN,
        {
            "input": {
                "customerId": cid,
                "channel": "STORE",
                "category": "service",
                "severity": "HIGH",
                "subject": TICKET_SUBJECT,
                "description": TICKET_TEXT,
            }
        },
        token,
    )
    ticket = opened["openTicket"]["ticket"]["id"]
    await gql.data(TRANSITION, {"id": ticket, "to": "OPEN"}, token)
    await gql.data(REPLY, {"id": ticket, "body": REPLY_TEXT}, token)
    await gql.data(NOTE, {"id": ticket, "body": INTERNAL_TEXT}, token)
    await gql.data(RESOLVE, {"id": ticket, "rootCause": "staff"}, token)
    survey = await create_survey(gql, token)
    (invitation,) = await invite(gql, token, survey["id"], [cid])
    answered = await answer(
        gql,
        invitation["token"],
        [{"questionId": "q1", "score": 4}, {"questionId": "q3", "text": ANSWER_TEXT}],
    )
    assert answered["errors"] == []
    return customer


async def exported(gql: GraphQL, token: str, customer_id: str) -> dict[str, Any]:
    started = (await gql.data(EXPORT, {"id": customer_id}, token))["exportCustomerData"]
    assert started["errors"] == [] and started["export"]["state"] in ("QUEUED", "RUNNING")
    assert started["export"]["formatVersion"] == 1
    export_id = started["export"]["id"]
    status: dict[str, Any] = {}
    for _ in range(200):  # the app's own job runner picks it up (poll 0.2 s in tests)
        status = (await gql.data(STATUS, {"id": export_id}, token))["customerDataExport"]
        if status["state"] in ("SUCCEEDED", "FAILED"):
            break
        await asyncio.sleep(0.05)
    assert status["state"] == "SUCCEEDED", status
    assert status["sectionsDone"] == status["sectionsTotal"]
    link = status["download"]
    assert link["method"] == "GET"
    response = await gql.http.get(link["url"])
    assert response.status_code == 200
    tampered = await gql.http.get(link["url"].replace("signature=", "signature=0"))
    assert tampered.status_code == 403
    document: dict[str, Any] = json.loads(response.content)
    return document


async def test_the_export_holds_every_kind_of_record(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand(phone_region="CN")
    token = await app_token(settings, brand)
    customer = await a_customer_with_everything(gql, token)
    doc = await exported(gql, token, customer["id"])
    assert (doc["format"], doc["version"], doc["brand"]["slug"]) == (
        "crm.customer-data-export",
        1,
        "acme",
    )
    s = doc["sections"]
    assert list(s) == [
        "profile",
        "externalIds",
        "tags",
        "notes",
        "consents",
        "membership",
        "purchases",
        "pointsLedger",
        "lifecycle",
        "coupons",
        "campaigns",
        "tickets",
        "surveyInvitations",
        "surveyAnswers",
        "attributes",
        "appointments",
        "referralCode",
        "referrals",
        "referralRewards",
        "referralInvites",
        "trackedEvents",
        "visitorIds",
        "auditEntries",
    ]
    profile = s["profile"]
    assert {k: profile[k] for k in PERSONAL} == PERSONAL
    assert profile["gender"] == "FEMALE" and profile["erasedAt"] is None
    assert s["externalIds"] == [{"system": "pos", "externalId": "POS-777"}]
    assert sorted(t["tag"] for t in s["tags"]) == ["oat-milk", "vip"]
    assert s["notes"][0]["body"] == NOTE_TEXT
    consents = {c["channel"]: (c["granted"], c["source"]) for c in s["consents"]}
    assert consents == {
        "SMS": (True, "STORE_FORM"),
        "EMAIL": (False, "PROFILE"),
        "PUSH": (False, "PROFILE"),
        "WECHAT": (True, "STORE_FORM"),
    }
    assert s["membership"]["tier"] == "Regular"
    assert s["membership"]["points"]["available"] == 95  # 80 earned, 15 goodwill
    assert s["membership"]["tierHistory"][0]["to"] == "Regular"
    (purchase,) = s["purchases"]
    assert (purchase["amount"], purchase["externalId"]) == ("80.00", "R-1001")
    assert purchase["items"] == [
        {
            "sku": "LAT-1",
            "name": "Oat latte",
            "category": "coffee",
            "quantity": 2,
            "unitPrice": "40.00",
        }
    ]
    assert [(t["kind"], t["amount"]) for t in s["pointsLedger"]] == [("EARN", 80), ("ADJUST", 15)]
    assert s["pointsLedger"][1]["reason"] == ADJUST_REASON
    assert s["lifecycle"]["frequency"] == 1
    (coupon,) = s["coupons"]
    assert (coupon["offer"], coupon["status"], coupon["discount"]) == (
        "Ten off",
        "REDEEMED",
        "10.00",
    )
    ticket, follow_up = s["tickets"]  # the NPS 4 answer opened a follow-up ticket
    assert (ticket["subject"], ticket["description"]) == (TICKET_SUBJECT, TICKET_TEXT)
    assert follow_up["subject"] == "Detractor follow-up (NPS 4)"
    assert [(m["body"], m["internal"]) for m in ticket["messages"]] == [
        (REPLY_TEXT, False),
        (INTERNAL_TEXT, True),
    ]
    assert s["surveyInvitations"][0]["state"] == "ANSWERED"
    assert s["surveyAnswers"][0]["npsScore"] == 4
    assert s["surveyAnswers"][0]["answers"] == {"q1": 4, "q3": ANSWER_TEXT}
    operations = {a["operation"] for a in s["auditEntries"]}
    assert {
        "createCustomer",
        "addCustomerNote",
        "setCustomerConsent",
        "recordPurchase",
        "adjustPoints",
        "redeemCoupon",
        "openTicket",
        "replyToTicket",
        "submitSurveyResponse",
    } <= operations
    kinds = [e.type for e in await events_after(brand.id, 0)]
    assert kinds.count("customer.data_export_requested") == 1
    assert kinds.count("customer.data_export_finished") == 1


async def test_after_erasure_the_export_holds_no_personal_field(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand(phone_region="CN")
    token = await app_token(settings, brand)
    customer = await a_customer_with_everything(gql, token)
    erased = await gql.data(DELETE, {"id": customer["id"]}, token)
    assert erased["deleteCustomer"] == {"deletedId": customer["id"], "errors": []}
    doc = await exported(gql, token, customer["id"])
    text = json.dumps(doc, ensure_ascii=False)
    personal = [
        *PERSONAL.values(),
        "13812345678",
        "xiaomei",
        "Zhou",
        "POS-777",
        "oat-milk",
        NOTE_TEXT,
        TICKET_SUBJECT,
        TICKET_TEXT,
        REPLY_TEXT,
        INTERNAL_TEXT,
        ANSWER_TEXT,
        ADJUST_REASON,
        "Ms Zhou",
        "almonds",
    ]
    for value in personal:
        assert value not in text, value
    s = doc["sections"]
    assert s["profile"]["name"] == "Erased customer" and s["profile"]["erasedAt"] is not None
    assert all(s["profile"][k] is None for k in PERSONAL if k != "name")
    for gone in ("externalIds", "tags", "notes", "consents", "campaigns"):
        assert s[gone] == [], gone
    # kept for accounting: amounts, items, the ledger's amounts, coupons, the service figures
    assert s["purchases"][0]["amount"] == "80.00"
    assert s["purchases"][0]["items"][0]["sku"] == "LAT-1"
    assert [(t["kind"], t["amount"], t["reason"]) for t in s["pointsLedger"]] == [
        ("EARN", 80, ""),
        ("ADJUST", 15, ""),
    ]
    assert s["membership"]["points"]["available"] == 95
    assert s["membership"]["memberNumber"].startswith("ERASED-")
    assert s["coupons"][0]["discount"] == "10.00"
    ticket = s["tickets"][0]
    assert (ticket["category"], ticket["rootCause"], ticket["messages"]) == ("service", "staff", [])
    assert s["surveyAnswers"][0]["answers"] == {"q1": 4}
    assert "deleteCustomer" in {a["operation"] for a in s["auditEntries"]}
    # gone for the API: lists, the customer itself, a second erasure
    assert (
        await gql.data(
            "query($id: ID!) { customer(id: $id) { id } }", {"id": customer["id"]}, token
        )
    )["customer"] is None
    listed = await gql.data("{ customers { totalCount } }", token=token)
    assert listed["customers"]["totalCount"] == 0
    again = await gql.data(DELETE, {"id": customer["id"]}, token)
    assert again["deleteCustomer"]["errors"] == [{"code": "NOT_FOUND"}]
    assert await Customer.filter(id__gt=0).count() == 1  # the anonymised row stays


async def test_export_refusals(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    customer = await create_customer(gql, token, name="A")
    no_scope = await app_token(settings, brand, "customers:write pii:read")
    assert error_codes(await gql.post(EXPORT, {"id": customer["id"]}, no_scope)) == ["FORBIDDEN"]
    rival = await app_token(settings, await make_brand("rival"))
    body = await gql.data(EXPORT, {"id": customer["id"]}, rival)
    assert body["exportCustomerData"]["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    body = await gql.data(EXPORT, {"id": "not-an-id"}, token)
    assert body["exportCustomerData"]["errors"] == [{"field": "customerId", "code": "INVALID"}]
    started = (await gql.data(EXPORT, {"id": customer["id"]}, token))["exportCustomerData"]
    export_id = started["export"]["id"]
    assert (await gql.data(STATUS, {"id": export_id}, rival))["customerDataExport"] is None
    assert error_codes(await gql.post(STATUS, {"id": "garbage"}, token)) == ["BAD_USER_INPUT"]
    assert error_codes(await gql.post(STATUS, {"id": export_id}, no_scope)) == ["FORBIDDEN"]
