"""Helpers for the loyalty tests."""

from __future__ import annotations

from typing import Any

from tests.support import GraphQL

RECORD = """
mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  purchase { id amount pointsEarned externalId items { sku category quantity unitPrice } }
  pointsEarned membership { memberNumber tier { name rank } }
  errors { field code message } } }
"""
AWARD = """
mutation($input: AwardPointsInput!) { awardPoints(input: $input) {
  transaction { id kind amount balanceAfter } errors { field code } } }
"""
REDEEM = """
mutation($input: PointsInput!) { redeemPoints(input: $input) {
  transaction { id kind amount balanceAfter } errors { field code } } }
"""
ADJUST = """
mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) {
  transaction { id kind amount balanceAfter } errors { field code } } }
"""
REFUND = """
mutation($input: RefundPurchaseInput!) { refundPurchase(input: $input) {
  purchase { id refundedAmount } pointsReversed pointsUnrecovered errors { field code } } }
"""
LOYALTY = """
query($id: ID!) { customer(id: $id) {
  membership { memberNumber status tier { name rank benefits { pointsMultiplier } }
    tierProgress { nextTier { name } missingSpend missingMonths }
    tierHistory { fromTier toTier reason } }
  points { available pending lifetimeEarned redeemed expired }
  pointsTransactions(first: 50) { edges { node { kind amount balanceAfter } } }
  purchases(first: 10) { edges { node { amount items { sku } } } }
  lifecycleStage valueTier rfm { recencyDays frequency monetary score } } }
"""


async def record(gql: GraphQL, token: str, **fields: Any) -> dict[str, Any]:
    body = await gql.data(RECORD, {"input": fields}, token)
    result: dict[str, Any] = body["recordPurchase"]
    return result


async def mutate(gql: GraphQL, token: str, query: str, name: str, **fields: Any) -> dict[str, Any]:
    body = await gql.data(query, {"input": fields}, token)
    result: dict[str, Any] = body[name]
    return result


async def loyalty(gql: GraphQL, token: str, customer_id: str) -> dict[str, Any]:
    body = await gql.data(LOYALTY, {"id": customer_id}, token)
    result: dict[str, Any] = body["customer"]
    return result
