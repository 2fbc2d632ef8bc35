"""The domains that came after the export format (custom attributes, appointments, referrals,
behaviour tracking) in a customer's data export, and what their erasure leaves."""

from __future__ import annotations

import json
from typing import Any

from config import Settings
from tests.booking_helpers import BOOK, ISSUE_TOKEN, Salon, local, next_weekday, ok, salon
from tests.support import GraphQL, create_customer
from tests.test_attributes_api import DEFINE, attrs
from tests.test_privacy_export import exported
from tests.tracking_helpers import at, event, track

NOTE = "Sensitive scalp, use the mild shampoo"
ID_CARD = "ID-4455-XY"
VISITOR = "device-7f3a"
CODE_QUERY = "query($id: ID!) { customer(id: $id) { referralCode } }"
INVITE = """mutation($input: RecordReferralInviteInput!) { recordReferralInvite(input: $input) {
  recorded errors { code } } }"""
DELETE = """mutation($id: ID!) { deleteCustomer(input: {id: $id}) { errors { code } } }"""


async def a_client_of_every_new_domain(gql: GraphQL, s: Salon) -> dict[str, Any]:
    for definition in (
        {"key": "hairType", "type": "ENUM", "options": ["curly", "straight"]},
        {"key": "idCard", "type": "STRING", "isPii": True},
    ):
        assert (await gql.data(DEFINE, {"input": definition}, s.token))["defineCustomerAttribute"][
            "errors"
        ] == []
    li = await create_customer(
        gql, s.token, name="Mia", attributes=attrs(hairType="curly", idCard=ID_CARD)
    )
    s.customer = li["id"]
    starts = local(next_weekday(2), 11)
    booked = await ok(
        gql,
        BOOK,
        {
            "storeId": s.store,
            "serviceId": s.haircut,
            "staffId": s.stylist,
            "startsAt": starts.isoformat(),
            "customerId": li["id"],
            "note": NOTE,
        },
        s.token,
    )
    code = (await gql.data(CODE_QUERY, {"id": li["id"]}, s.token))["customer"]["referralCode"]
    invited = await gql.data(
        INVITE, {"input": {"customerId": li["id"], "channel": "WECHAT"}}, s.token
    )
    assert invited["recordReferralInvite"]["errors"] == []
    await create_customer(gql, s.token, name="Noa", referralCode=code)
    await track(gql, s.token, [event("t1", "product_view", anonymousId=VISITOR, occurredAt=at(30))])
    own = (await gql.data(ISSUE_TOKEN, {"id": li["id"]}, s.token))["issueCustomerToken"]["token"]
    signed = await track(
        gql, own, [event("t2", "signed_in", anonymousId=VISITOR, occurredAt=at(9))]
    )
    assert signed["errors"] == []
    await track(
        gql,
        s.token,
        [event("t3", "add_to_cart", customerId=li["id"], properties={"sku": "argan-oil"})],
    )
    return {"id": li["id"], "code": code, "starts": starts, "appointment": booked}


async def test_the_export_holds_attributes_appointments_referrals_and_behaviour(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    mia = await a_client_of_every_new_domain(gql, s)
    sections = (await exported(gql, s.token, mia["id"]))["sections"]
    assert sections["attributes"] == {"hairType": "curly", "idCard": ID_CARD}
    (visit,) = sections["appointments"]
    assert (visit["store"], visit["service"], visit["staff"], visit["status"]) == (
        "LDN-1",
        "Haircut",
        "Ana",
        "BOOKED",
    )
    assert visit["note"] == NOTE and visit["price"] == "100.00"
    assert sections["referralCode"]["code"] == mia["code"]
    assert [(r["role"], r["status"]) for r in sections["referrals"]] == [("REFERRER", "SIGNED_UP")]
    assert [i["channel"] for i in sections["referralInvites"]] == ["WECHAT"]
    names = sorted(e["name"] for e in sections["trackedEvents"])
    assert "add_to_cart" in names and "signed_in" in names
    assert {"sku": "argan-oil"} in [e["properties"] for e in sections["trackedEvents"]]
    assert [v["anonymousId"] for v in sections["visitorIds"]] == [VISITOR]
    assert list(sections)[-1] == "auditEntries"


async def test_erasure_scrubs_the_new_domains_and_frees_the_booked_slot(
    gql: GraphQL, settings: Settings
) -> None:
    s = await salon(gql, settings)
    mia = await a_client_of_every_new_domain(gql, s)
    assert (await gql.data(DELETE, {"id": mia["id"]}, s.token))["deleteCustomer"]["errors"] == []
    doc = await exported(gql, s.token, mia["id"])
    text = json.dumps(doc)
    for personal in (NOTE, ID_CARD, VISITOR, mia["code"], "argan-oil", "curly"):
        assert personal not in text, personal
    sections = doc["sections"]
    assert sections["attributes"] == {}
    assert sections["referralCode"] is None
    for gone in ("referralInvites", "trackedEvents", "visitorIds"):
        assert sections[gone] == [], gone
    (visit,) = sections["appointments"]
    assert visit["status"] == "CANCELLED" and visit["note"] == ""
    assert [r["role"] for r in sections["referrals"]] == ["REFERRER"]  # kept for the rewards
    other = await create_customer(gql, s.token, name="Ola")
    rebooked = await gql.data(
        BOOK,
        {
            "input": {
                "storeId": s.store,
                "serviceId": s.haircut,
                "staffId": s.stylist,
                "startsAt": mia["starts"].isoformat(),
                "customerId": other["id"],
            }
        },
        s.token,
    )
    assert rebooked["bookAppointment"]["errors"] == []
