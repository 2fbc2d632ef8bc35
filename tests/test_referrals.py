"""The referral programme through the API: codes, attribution at creation or after, rewards
through the ledger and offers paid once (retries, replayed events, races), abuse limits with
their codes, and the report with its referral rate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.transactions import in_transaction

from config import Settings
from models import AuditEntry, Customer, PointsTransaction
from models.events import OutboxEvent
from models.offers import Coupon
from models.referrals import Referral, ReferralReward
from resolvers.ids import decode_id
from services.common.actor import Actor
from services.referrals import rewards
from services.referrals.codes import ALPHABET, LENGTH
from services.referrals.settings import get_settings
from tests.concurrency import concurrently_behind_a_lock
from tests.loyalty_support import record
from tests.offer_helpers import create_offer
from tests.support import CREATE_CUSTOMER, GraphQL, app_token, create_customer, make_brand
from tests.test_service_access import drain

CODE = """query($id: ID!) { customer(id: $id) { referralCode
  referredBy { status referrer { name } }
  referrals { status referee { name } rewards { side points coupons } } } }"""
CONFIGURE = """mutation($input: ConfigureReferralsInput!) { configureReferrals(input: $input) {
  settings { enabled trigger minPurchase referrerPoints refereePoints monthlyCap refereeOfferId }
  errors { field code } } }"""
APPLY = """mutation($input: ApplyReferralCodeInput!) { applyReferralCode(input: $input) {
  referral { id status referrer { name } } errors { field code message } } }"""
INVITE = """mutation($input: RecordReferralInviteInput!) { recordReferralInvite(input: $input) {
  recorded errors { field code } } }"""
REPORT = """query($f: DateTime!, $t: DateTime!) { referralReport(from: $f, to: $t) {
  invites signUps firstPurchases rewardsPaid pointsPaid couponsIssued newCustomers
  referralRate } }"""
ME = "{ me { referralCode referredBy { status } } }"
TOKEN = "mutation($id: ID!) { issueCustomerToken(input: {customerId: $id}) { token } }"


async def _configure(gql: GraphQL, token: str, **values: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(CONFIGURE, {"input": values}, token))[
        "configureReferrals"
    ]
    assert payload["errors"] == [], payload
    return payload


async def _code(gql: GraphQL, token: str, customer: str) -> str:
    code: str = (await gql.data(CODE, {"id": customer}, token))["customer"]["referralCode"]
    return code


async def _create(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (await gql.data(CREATE_CUSTOMER, {"input": fields}, token))[
        "createCustomer"
    ]
    return payload


def _pk(customer: str) -> int:
    return decode_id(customer, "Customer")


async def _points(customer: str) -> list[tuple[int, str]]:
    rows = await PointsTransaction.filter(customer_id=_pk(customer), source="referral")
    return [(r.amount, r.kind) for r in rows]


async def test_codes_are_stable_short_and_distinct(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("refs"))
    ids = [(await create_customer(gql, token, name=f"C{i}"))["id"] for i in range(5)]
    first = [await _code(gql, token, c) for c in ids]
    assert first == [await _code(gql, token, c) for c in ids]  # stable
    assert len(set(first)) == 5
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in first)
    # a customer token reads its own
    own = (await gql.data(TOKEN, {"id": ids[0]}, token))["issueCustomerToken"]["token"]
    assert (await gql.data(ME, {}, own))["me"]["referralCode"] == first[0]


async def test_sign_up_rewards_once(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("signup"))
    await _configure(gql, token, trigger="SIGNUP", referrerPoints=100, refereePoints=50)
    ann = (await create_customer(gql, token, name="Ann"))["id"]
    code = await _code(gql, token, ann)
    # typed the way people type it
    typed = f" {code[:4].lower()}-{code[4:]} "
    bob = await _create(gql, token, name="Bob", phone="13800138001", referralCode=typed)
    assert bob["errors"] == []
    bob_id = bob["customer"]["id"]
    view = (await gql.data(CODE, {"id": ann}, token))["customer"]
    assert view["referrals"] == [
        {
            "status": "CONVERTED",
            "referee": {"name": "Bob"},
            "rewards": [
                {"side": "REFEREE", "points": 50, "coupons": 0},
                {"side": "REFERRER", "points": 100, "coupons": 0},
            ],
        }
    ]
    assert await _points(ann) == [(100, "EARN")]
    assert await _points(bob_id) == [(50, "EARN")]
    assert await OutboxEvent.filter(type="referral.converted").count() == 1
    # a retried conversion pays nothing more
    referral = await Referral.get()
    settings_row = await get_settings(referral.brand_id)
    actor = Actor.system(referral.brand_id)
    assert await rewards.convert(actor, referral, settings_row, None) is False
    assert await ReferralReward.all().count() == 2


async def test_first_purchase_rewards_once_under_replays_and_races(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand("firstbuy")
    token = await app_token(settings, brand)
    offer = await create_offer(gql, token, kind="AMOUNT_OFF", amount="10", title="Welcome gift")
    await _configure(
        gql,
        token,
        trigger="FIRST_PURCHASE",
        minPurchase="30",
        referrerPoints=100,
        refereePoints=0,
        refereeOfferId=offer["id"],
    )
    ann = (await create_customer(gql, token, name="Ann"))["id"]
    bob = await _create(gql, token, name="Bob", referralCode=await _code(gql, token, ann))
    bob_id = bob["customer"]["id"]
    assert (await Referral.get()).status == "SIGNED_UP"
    assert (await record(gql, token, customerId=bob_id, amount="20"))["errors"] == []
    await drain(settings)
    assert (await Referral.get()).status == "SIGNED_UP"  # under the minimum
    assert (await record(gql, token, customerId=bob_id, amount="45"))["errors"] == []
    await drain(settings)
    referral = await Referral.get()
    assert referral.status == "CONVERTED" and referral.purchase_id is not None
    # the relay delivers at least once: replayed purchase events pay nothing more
    await OutboxEvent.filter(type="purchase.recorded").update(published_at=None)
    await drain(settings)
    assert (await record(gql, token, customerId=bob_id, amount="60"))["errors"] == []
    await drain(settings)
    # retried conversions (as a reaction runs them: in a transaction) pay nothing more
    settings_row = await get_settings(brand.id)
    actor = Actor.system(brand.id)

    async def convert() -> bool:
        async with in_transaction():
            return await rewards.convert(actor, referral, settings_row, None)

    assert [await convert() for _ in range(3)] == [False] * 3
    # concurrent conversions of a referral forced back to SIGNED_UP: one converts ...
    await Referral.filter(id=referral.id).update(status="SIGNED_UP")
    done = await concurrently_behind_a_lock(
        referral.id, [convert() for _ in range(6)], table="referrals"
    )
    assert sorted(done) == [False] * 5 + [True]
    # ... still pays each side at most once: the reward rows are unique per side
    assert sorted((r.side, r.points) for r in await ReferralReward.all()) == [
        ("REFEREE", 0),
        ("REFERRER", 100),
    ]
    assert await _points(ann) == [(100, "EARN")]
    assert await Coupon.filter(customer_id=_pk(bob_id)).count() == 1


async def test_abuse_limits_and_refusals(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("abuse")
    token = await app_token(settings, brand)
    await _configure(gql, token, trigger="SIGNUP", referrerPoints=10, monthlyCap=1)
    ann = (await create_customer(gql, token, name="Ann"))["id"]
    ann_code = await _code(gql, token, ann)

    async def apply(customer: str, code: str, as_token: str = token) -> list[str]:
        body = await gql.data(APPLY, {"input": {"customerId": customer, "code": code}}, as_token)
        return [e["code"] for e in body["applyReferralCode"]["errors"]]

    assert await apply(ann, ann_code) == ["SELF_REFERRAL"]
    assert await apply(ann, "NOSUCHCODE") == ["NOT_FOUND"]
    bob = (await create_customer(gql, token, name="Bob", email="bob@example.com"))["id"]
    bob_token = (await gql.data(TOKEN, {"id": bob}, token))["issueCustomerToken"]["token"]
    assert await apply(ann, ann_code, bob_token) == ["NOT_FOUND"]  # not Bob's own record
    assert await apply(bob, ann_code, bob_token) == []  # Bob applies it to himself
    assert await apply(bob, await _code(gql, token, ann)) == ["ALREADY_REFERRED"]
    # Ann was rewarded once this month: the cap refuses the next one
    cid = (await create_customer(gql, token, name="Cid"))["id"]
    assert await apply(cid, ann_code) == ["REFERRAL_LIMIT_REACHED"]
    # a customer with a purchase is not new
    assert (await record(gql, token, customerId=cid, amount="5"))["errors"] == []
    assert await apply(cid, await _code(gql, token, bob)) == ["NOT_ELIGIBLE"]
    # erased and back with the same email: that email was referred already
    await gql.data(
        "mutation($id: ID!) { deleteCustomer(input: {id: $id}) { deletedId } }", {"id": bob}, token
    )
    again = await _create(
        gql,
        token,
        name="Bob again",
        email="bob@example.com",
        referralCode=await _code(gql, token, cid),
    )
    assert [e["code"] for e in again["errors"]] == ["ALREADY_REFERRED"]
    assert not await Customer.filter(name="Bob again").exists()  # nothing was created
    # the programme switched off
    await _configure(gql, token, enabled=False)
    dan = await _create(gql, token, name="Dan", referralCode=ann_code)
    assert [(e["code"], e["field"]) for e in dan["errors"]] == [
        ("REFERRALS_DISABLED", "referralCode")
    ]
    assert await AuditEntry.filter(operation="applyReferralCode").count() == 1


async def test_concurrent_applications_for_one_customer(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("race"))
    await _configure(gql, token, trigger="SIGNUP", refereePoints=5, monthlyCap=100)
    referrers = [(await create_customer(gql, token, name=f"R{i}"))["id"] for i in range(4)]
    codes = [await _code(gql, token, r) for r in referrers]
    newbie = (await create_customer(gql, token, name="New"))["id"]

    async def apply(code: str) -> list[str]:
        body = await gql.data(APPLY, {"input": {"customerId": newbie, "code": code}}, token)
        return [e["code"] for e in body["applyReferralCode"]["errors"]]

    results = await concurrently_behind_a_lock(_pk(newbie), [apply(c) for c in codes])
    assert sorted(map(tuple, results)) == [()] + [("ALREADY_REFERRED",)] * 3
    assert await Referral.all().count() == 1
    assert await _points(newbie) == [(5, "EARN")]


async def test_report_and_referral_rate(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("report"))
    await _configure(gql, token, trigger="FIRST_PURCHASE", referrerPoints=20, refereePoints=10)
    ann = (await create_customer(gql, token, name="Ann"))["id"]
    for channel in ("WECHAT", "SMS", "WECHAT"):
        body = await gql.data(INVITE, {"input": {"customerId": ann, "channel": channel}}, token)
        assert body["recordReferralInvite"] == {"recorded": True, "errors": []}
    bad = await gql.data(INVITE, {"input": {"customerId": ann, "channel": "PIGEON"}}, token)
    assert bad["recordReferralInvite"]["errors"] == [{"field": "channel", "code": "INVALID"}]
    code = await _code(gql, token, ann)
    bob = (await _create(gql, token, name="Bob", referralCode=code))["customer"]["id"]
    await _create(gql, token, name="Cid", referralCode=code)
    await create_customer(gql, token, name="Dee")
    assert (await record(gql, token, customerId=bob, amount="30"))["errors"] == []
    await drain(settings)
    now = datetime.now(UTC)
    window = {
        "f": (now - timedelta(hours=1)).isoformat(),
        "t": (now + timedelta(hours=1)).isoformat(),
    }
    report = (await gql.data(REPORT, window, token))["referralReport"]
    assert report == {
        "invites": 3,
        "signUps": 2,
        "firstPurchases": 1,
        "rewardsPaid": 2,
        "pointsPaid": 30,
        "couponsIssued": 0,
        "newCustomers": 4,  # Ann, Bob, Cid, Dee
        "referralRate": 50.0,  # 2 of the 4 came through a referral
    }
    rate = """query($range: DateRangeInput) { analytics { referralRate(range: $range) {
      range { from to } referredSignUps newCustomers rate } } }"""
    month = (await gql.data(rate, {}, token))["analytics"]["referralRate"]
    assert (month["referredSignUps"], month["newCustomers"], month["rate"]) == (2, 4, 0.5)
    await Customer.filter(name="Dee").update(created_at=now - timedelta(days=45))
    month = (await gql.data(rate, {}, token))["analytics"]["referralRate"]
    assert (month["referredSignUps"], month["newCustomers"], month["rate"]) == (2, 3, 0.666667)
    before = {"from": (now - timedelta(days=50)).date().isoformat()}
    before["to"] = (now - timedelta(days=40)).date().isoformat()
    old = (await gql.data(rate, {"range": before}, token))["analytics"]["referralRate"]
    assert (old["referredSignUps"], old["newCustomers"], old["rate"]) == (0, 1, 0.0)
    empty = {"from": "2020-01-01", "to": "2020-01-31"}
    none = (await gql.data(rate, {"range": empty}, token))["analytics"]["referralRate"]
    assert (none["newCustomers"], none["rate"]) == (0, None)


async def test_referrals_follow_a_merged_customer(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("merge"))
    await _configure(gql, token, trigger="SIGNUP", referrerPoints=10)
    ann = (await create_customer(gql, token, name="Ann"))["id"]
    ann_again = (await create_customer(gql, token, name="Ann (shop)"))["id"]
    keep = await _code(gql, token, ann)
    await _create(gql, token, name="Bob", referralCode=await _code(gql, token, ann_again))
    body = await gql.data(
        "mutation($input: MergeCustomersInput!) {"
        " mergeCustomers(input: $input) { errors { code } } }",
        {"input": {"sourceId": ann_again, "targetId": ann}},
        token,
    )
    assert body["mergeCustomers"]["errors"] == []
    view = (await gql.data(CODE, {"id": ann}, token))["customer"]
    assert view["referralCode"] == keep
    assert [r["referee"]["name"] for r in view["referrals"]] == ["Bob"]
    assert await ReferralReward.filter(customer_id=_pk(ann), side="REFERRER").count() == 1
