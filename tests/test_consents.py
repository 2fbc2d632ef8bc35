"""Marketing consent per channel: when and how, the profile flag, merges, customers' own."""

from __future__ import annotations

from config import Settings
from events.outbox import events_after
from tests.offer_helpers import customer_token
from tests.support import GraphQL, app_token, create_customer, error_codes, make_brand

SET = """mutation($id: ID!, $consents: [ConsentChoice!]!, $source: String!, $at: DateTime) {
  setCustomerConsent(input: {customerId: $id, consents: $consents, source: $source,
    givenAt: $at}) {
    consents { channel granted source givenAt recordedBy } errors { field code } } }"""
READ = """query($id: ID!) { customer(id: $id) { marketingConsent
  consents { channel granted source givenAt } } }"""


def granted(consents: list[dict[str, object]]) -> dict[object, object]:
    return {c["channel"]: c["granted"] for c in consents}


async def test_consent_per_channel_with_when_and_how(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    customer = await create_customer(gql, token, name="Mei")
    before = (await gql.data(READ, {"id": customer["id"]}, token))["customer"]
    assert before["marketingConsent"] is False
    assert granted(before["consents"]) == {
        "SMS": False,
        "EMAIL": False,
        "PUSH": False,
        "WECHAT": False,
    }
    assert {c["source"] for c in before["consents"]} == {"PROFILE"}
    body = await gql.data(
        SET,
        {
            "id": customer["id"],
            "consents": [
                {"channel": "SMS", "granted": True},
                {"channel": "WECHAT", "granted": True},
            ],
            "source": "STORE_FORM",
            "at": "2026-03-01T10:00:00+08:00",
        },
        token,
    )
    states = body["setCustomerConsent"]["consents"]
    assert granted(states) == {"SMS": True, "EMAIL": False, "PUSH": False, "WECHAT": True}
    sms = next(c for c in states if c["channel"] == "SMS")
    assert sms["source"] == "STORE_FORM" and sms["givenAt"].startswith("2026-03-01T10:00:00")
    assert sms["recordedBy"].startswith("app:")
    after = (await gql.data(READ, {"id": customer["id"]}, token))["customer"]
    assert after["marketingConsent"] is True
    withdrawn = await gql.data(
        SET,
        {
            "id": customer["id"],
            "consents": [
                {"channel": "SMS", "granted": False},
                {"channel": "WECHAT", "granted": False},
            ],
            "source": "UNSUBSCRIBE_LINK",
        },
        token,
    )
    assert not any(granted(withdrawn["setCustomerConsent"]["consents"]).values())
    assert (await gql.data(READ, {"id": customer["id"]}, token))["customer"][
        "marketingConsent"
    ] is False
    events = [e for e in await events_after(brand.id, 0) if e.type == "customer.consent_changed"]
    assert [(e.payload["channel"], e.payload["granted"]) for e in events] == [
        ("SMS", True),
        ("WECHAT", True),
        ("SMS", False),
        ("WECHAT", False),
    ]


async def test_the_profile_flag_sets_every_channel_once_channels_are_recorded(
    gql: GraphQL, settings: Settings
) -> None:
    token = await app_token(settings, await make_brand())
    customer = await create_customer(gql, token, name="Mei", marketingConsent=True)
    assert all(
        granted(
            (await gql.data(READ, {"id": customer["id"]}, token))["customer"]["consents"]
        ).values()
    )
    await gql.data(
        SET,
        {
            "id": customer["id"],
            "consents": [{"channel": "EMAIL", "granted": False}],
            "source": "EMAIL_FOOTER",
        },
        token,
    )
    states = (await gql.data(READ, {"id": customer["id"]}, token))["customer"]["consents"]
    assert granted(states) == {"SMS": True, "EMAIL": False, "PUSH": True, "WECHAT": True}
    await gql.data(
        """mutation($id: ID!) { updateCustomer(input: {id: $id, marketingConsent: false}) {
             errors { code } } }""",
        {"id": customer["id"]},
        token,
    )
    states = (await gql.data(READ, {"id": customer["id"]}, token))["customer"]["consents"]
    assert not any(granted(states).values())


async def test_merge_keeps_the_later_decision_per_channel(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand())
    old = await create_customer(gql, token, name="Old")
    new = await create_customer(gql, token, name="New")
    await gql.data(
        SET,
        {
            "id": old["id"],
            "consents": [{"channel": "SMS", "granted": True}],
            "source": "APP",
            "at": "2026-01-01T00:00:00Z",
        },
        token,
    )
    await gql.data(
        SET,
        {
            "id": new["id"],
            "consents": [
                {"channel": "SMS", "granted": False},
                {"channel": "PUSH", "granted": True},
            ],
            "source": "APP",
            "at": "2026-02-01T00:00:00Z",
        },
        token,
    )
    await gql.data(
        SET,
        {
            "id": old["id"],
            "consents": [{"channel": "EMAIL", "granted": True}],
            "source": "STORE",
            "at": "2026-03-01T00:00:00Z",
        },
        token,
    )
    await gql.data(
        """mutation($s: ID!, $t: ID!) { mergeCustomers(input: {sourceId: $s, targetId: $t}) {
             errors { code } } }""",
        {"s": old["id"], "t": new["id"]},
        token,
    )
    merged = (await gql.data(READ, {"id": new["id"]}, token))["customer"]
    assert granted(merged["consents"]) == {
        "SMS": False,
        "EMAIL": True,
        "PUSH": True,
        "WECHAT": False,
    }
    assert merged["marketingConsent"] is True


async def test_a_customer_sets_only_their_own_consent_and_refusals_are_typed(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    mine = await create_customer(gql, token, name="Me")
    other = await create_customer(gql, token, name="Other")
    own = await customer_token(gql, token, mine["id"])
    ok = await gql.data(
        SET,
        {
            "id": mine["id"],
            "consents": [{"channel": "PUSH", "granted": True}],
            "source": "APP_SETTINGS",
        },
        own,
    )
    assert ok["setCustomerConsent"]["errors"] == []
    refused = await gql.data(
        SET,
        {
            "id": other["id"],
            "consents": [{"channel": "PUSH", "granted": True}],
            "source": "APP_SETTINGS",
        },
        own,
    )
    assert refused["setCustomerConsent"]["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]
    bad = await gql.data(
        SET,
        {
            "id": mine["id"],
            "consents": [{"channel": "SMS", "granted": True}, {"channel": "SMS", "granted": False}],
            "source": " ",
            "at": "2999-01-01T00:00:00Z",
        },
        token,
    )
    assert {(e["field"], e["code"]) for e in bad["setCustomerConsent"]["errors"]} == {
        ("consents", "INVALID"),
        ("source", "INVALID"),
        ("givenAt", "INVALID"),
    }
    reader = await app_token(settings, brand, "customers:read")
    body = await gql.post(SET, {"id": mine["id"], "consents": [], "source": "X"}, reader)
    assert error_codes(body) == ["FORBIDDEN"]
    rival = await app_token(settings, await make_brand("rival"))
    body = await gql.data(
        SET,
        {"id": mine["id"], "consents": [{"channel": "SMS", "granted": True}], "source": "X"},
        rival,
    )
    assert body["setCustomerConsent"]["errors"] == [{"field": "customerId", "code": "NOT_FOUND"}]


async def test_coupon_events_name_only_the_consented_channels(
    gql: GraphQL, settings: Settings
) -> None:
    from tests.offer_helpers import CLAIM, create_offer, issue

    brand = await make_brand()
    token = await app_token(settings, brand)
    texts = await create_customer(gql, token, name="Texts")
    everyone = await create_customer(gql, token, name="Old flag", marketingConsent=True)
    nobody = await create_customer(gql, token, name="Nobody")
    await gql.data(
        SET,
        {
            "id": texts["id"],
            "consents": [{"channel": "SMS", "granted": True}, {"channel": "PUSH", "granted": True}],
            "source": "APP",
        },
        token,
    )
    offer = await create_offer(gql, token, title="Bulk", perCustomerLimit=2)
    ids = [texts["id"], everyone["id"], nobody["id"]]
    assert (await issue(gql, token, offer["id"], "b", customerIds=ids))["issuedCount"] == 3
    own = await customer_token(gql, token, texts["id"])
    claimed = await gql.data(CLAIM, {"input": {"offerId": offer["id"]}}, own)
    assert claimed["claimOffer"]["errors"] == []
    issued = [e for e in await events_after(brand.id, 0) if e.type == "coupon.issued"]
    by_customer = [(e.customer_id, e.payload["channels"]) for e in issued]
    from resolvers.ids import decode_id

    def pk(c: dict[str, str]) -> int:
        return decode_id(c["id"], "Customer")

    assert sorted(by_customer[:3]) == sorted(
        [
            (pk(texts), ["PUSH", "SMS"]),
            (pk(everyone), ["EMAIL", "PUSH", "SMS", "WECHAT"]),
            (pk(nobody), []),
        ]
    )
    assert by_customer[3] == (pk(texts), ["PUSH", "SMS"])  # the claim, through Python
