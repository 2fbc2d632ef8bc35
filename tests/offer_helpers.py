"""Helpers for the offer and coupon tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQL

OFFER_FIELDS = """id kind title stock issuedCount remainingStock budget spent perCustomerLimit
  pointsCost trigger active eligibility { tiers segmentId lifecycleStages birthdayMonth }"""
CREATE = f"""
mutation($input: CreateOfferInput!) {{ createOffer(input: $input) {{
  offer {{ {OFFER_FIELDS} }} errors {{ field code message }} }} }}
"""
UPDATE = f"""
mutation($input: UpdateOfferInput!) {{ updateOffer(input: $input) {{
  offer {{ {OFFER_FIELDS} }} errors {{ field code message }} }} }}
"""
ISSUE = """
mutation($input: IssueOfferInput!) { issueOffer(input: $input) {
  issuedCount offer { issuedCount remainingStock } errors { field code message } } }
"""
CLAIM = """
mutation($input: ClaimOfferInput!) { claimOffer(input: $input) {
  coupon { id code status offer { title } } errors { field code message } } }
"""
REDEEM = """
mutation($input: RedeemCouponInput!) { redeemCoupon(input: $input) {
  coupon { code status discount purchaseId } errors { field code message } } }
"""
VALIDATE = """
query($code: String!, $cart: CartInput!) { validateCoupon(code: $code, cart: $cart) {
  valid discount coupon { code } errors { field code message } } }
"""
VOID = """
mutation($input: VoidCouponInput!) { voidCoupon(input: $input) {
  coupon { code status } errors { field code } } }
"""
COUPONS = """
query($id: ID!) { customer(id: $id) { coupons(first: 100) {
  edges { node { id code status discount offer { title } } } } } }
"""
TOKEN = """
mutation($input: IssueCustomerTokenInput!) { issueCustomerToken(input: $input) {
  token errors { code } } }
"""
ME = """
{ me { points { available }
  coupons(first: 50) { edges { node { code status offer { title } } } }
  availableOffers(first: 50) { edges { node { id title } } pageInfo { hasNextPage } } } }
"""


async def create_offer(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    fields.setdefault("kind", "AMOUNT_OFF")
    fields.setdefault("title", "10 off")
    if fields["kind"] == "AMOUNT_OFF":
        fields.setdefault("amount", "10")
    body = (await gql.data(CREATE, {"input": fields}, token))["createOffer"]
    assert body["errors"] == [], body["errors"]
    offer: dict[str, Any] = body["offer"]
    return offer


async def issue(gql: GraphQL, token: str, offer_id: str, key: str, **target: Any) -> dict[str, Any]:
    variables = {"input": {"offerId": offer_id, "idempotencyKey": key, **target}}
    result: dict[str, Any] = (await gql.data(ISSUE, variables, token))["issueOffer"]
    return result


async def customer_token(gql: GraphQL, token: str, customer_id: str) -> str:
    body = await gql.data(TOKEN, {"input": {"customerId": customer_id}}, token)
    result: str = body["issueCustomerToken"]["token"]
    return result


async def coupons(gql: GraphQL, token: str, customer_id: str) -> list[dict[str, Any]]:
    body = await gql.data(COUPONS, {"id": customer_id}, token)
    return [e["node"] for e in body["customer"]["coupons"]["edges"]]


async def redeem(gql: GraphQL, token: str, code: str, purchase_id: str) -> dict[str, Any]:
    variables = {"input": {"code": code, "purchaseId": purchase_id}}
    result: dict[str, Any] = (await gql.data(REDEEM, variables, token))["redeemCoupon"]
    return result


def codes(result: dict[str, Any]) -> list[str]:
    return [e["code"] for e in result["errors"]]
