"""Every object type that shows a stored record has a Relay global id and `node(id:)` support,
so client caches (Apollo, Relay) can normalise it."""

from __future__ import annotations

import ast
import inspect
import sys
import typing
from functools import cache
from typing import Any

from strawberry.types.base import StrawberryObjectDefinition
from tortoise.models import Model

from config import Settings
from library_adapter import graphql_core_schema
from models import Brand
from schema import build_schema
from schema.node import NODE_ALIASES, NODE_KINDS
from services.common.actor import Actor
from services.webhooks.webhooks import create_webhook
from tests.support import GraphQL, app_token, create_customer, make_brand
from tests.ticket_helpers import CONFIGURE, NOTE, OPEN, REPLY


def _is_model(annotation: Any) -> bool:
    options = typing.get_args(annotation) or (annotation,)
    return any(isinstance(option, type) and issubclass(option, Model) for option in options)


@cache
def _annotation_names(module_name: str) -> dict[str, Any]:
    """What the module imports under `if TYPE_CHECKING:` (schema/ names the models it shows
    only there), run here so that annotations naming them can be evaluated."""
    namespace: dict[str, Any] = {}
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            exec(compile(ast.Module(node.body, []), module_name, "exec"), namespace)
    return namespace


def _private_models(cls: type) -> bool:
    hints = typing.get_type_hints(
        cls, localns=_annotation_names(cls.__module__), include_extras=True
    )
    return any(_is_model(arg) for hint in hints.values() for arg in typing.get_args(hint)[:1] or ())


def model_backed_types() -> dict[str, type]:
    """The schema's object types built from a model (`from_model(row)`, or a private model)."""
    schema = build_schema()
    found: dict[str, type] = {}
    for name, graphql_type in schema.schema_converter.type_map.items():
        definition = graphql_type.definition
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_input:
            continue
        if definition.is_interface:  # its object types are checked one by one
            continue
        cls = definition.origin
        from_model = getattr(cls, "from_model", None)
        names = _annotation_names(cls.__module__)
        hints = typing.get_type_hints(from_model, localns=names) if from_model else {}
        built_from_row = any(_is_model(hint) for key, hint in hints.items() if key != "return")
        if built_from_row or _private_models(cls):
            found[name] = cls
    return found


def test_every_model_backed_type_is_a_node_that_node_can_fetch() -> None:
    found = model_backed_types()
    assert {"Membership", "Tier", "Brand", "Customer", "PointsTransaction"} <= set(found)
    schema = build_schema()
    missing_id = []
    for name in found:
        graphql_type = graphql_core_schema(schema).get_type(name)
        interfaces = [i.name for i in getattr(graphql_type, "interfaces", [])]
        if "Node" not in interfaces:
            missing_id.append(name)
    assert missing_id == []
    unreachable = sorted(set(found) - set(NODE_KINDS) - set(NODE_ALIASES))
    assert unreachable == []
    assert len(found) >= 25


TIER_LADDER = """mutation { setTierLadder(input: {tiers: [
  {name: "Regular", rank: 0}, {name: "Gold", rank: 1, minLifetimeSpend: "100"}]}) {
  errors { code } } }"""
RECORD = """mutation($input: RecordPurchaseInput!) { recordPurchase(input: $input) {
  purchase { id items { id } } membership { id tier { id } } errors { code } } }"""
IDS = """query($id: ID!, $slug: String!) {
  brand(slug: $slug) { id }
  loyaltySettings { id }
  ticketSettings { id slaPolicies { id } }
  tierLadder { id }
  webhooks { id }
  customer(id: $id) { id externalIds { id } notes(first: 5) { id }
    membership { id tier { id } tierHistory { id } }
    pointsTransactions(first: 5) { edges { node { id } } }
    purchases(first: 5) { edges { node { id items { id } } } } } }"""
NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
ADD_NOTE = """mutation($id: ID!) { addCustomerNote(input: {customerId: $id, body: "VIP"}) {
  errors { code } } }"""
SLA = """mutation { setSlaPolicy(input: {severity: HIGH, firstResponseMinutes: 30,
  resolutionMinutes: 240}) { errors { code } } }"""


def _ids(value: Any, typename: str | None = None) -> list[str]:
    if isinstance(value, dict):
        found = [value["id"]] if "id" in value else []
        return found + [i for key, item in value.items() if key != "id" for i in _ids(item)]
    if isinstance(value, list):
        return [i for item in value for i in _ids(item)]
    return []


async def _stored_records(gql: GraphQL, token: str, slug: str) -> tuple[str, list[str]]:
    assert (await gql.data(TIER_LADDER, token=token))["setTierLadder"]["errors"] == []
    customer = await create_customer(
        gql, token, name="Node", externalIds=[{"system": "pos", "externalId": "n-1"}]
    )
    purchase = {
        "customerId": customer["id"],
        "amount": "150",
        "items": [{"sku": "A", "name": "Latte", "unitPrice": "150"}],
    }
    assert (await gql.data(RECORD, {"input": purchase}, token))["recordPurchase"]["errors"] == []
    assert (await gql.data(ADD_NOTE, {"id": customer["id"]}, token))["addCustomerNote"][
        "errors"
    ] == []
    assert (await gql.data(SLA, token=token))["setSlaPolicy"]["errors"] == []
    # A loopback endpoint for an event these tests never emit: nothing is ever sent to it.
    hook = {"url": "http://127.0.0.1:9/hook", "event_types": ["survey.response_submitted"]}
    brand = await Brand.get(slug=slug)
    actor = Actor(brand.id, "app", "0", "test")
    await create_webhook(actor, {**hook, "secret": "0123456789abcdef0123"}, allow_private=True)
    body = await gql.data(IDS, {"id": customer["id"], "slug": slug}, token)
    return customer["id"], _ids(body)


async def test_node_fetches_each_stored_record_by_its_id(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("nodes"))
    _, ids = await _stored_records(gql, token, "nodes")
    typenames = set()
    for global_id in ids:
        node = (await gql.data(NODE, {"id": global_id}, token))["node"]
        assert node is not None and node["id"] == global_id, global_id
        typenames.add(node["__typename"])
    assert {
        "Brand",
        "LoyaltySettings",
        "TicketSettings",
        "SlaPolicy",
        "Tier",
        "Webhook",
        "Customer",
        "ExternalId",
        "CustomerNote",
        "Membership",
        "TierChange",
        "PointsTransaction",
        "Purchase",
        "PurchaseItemType",
    } <= typenames


async def test_another_brands_records_are_not_found(gql: GraphQL, settings: Settings) -> None:
    token = await app_token(settings, await make_brand("mine"))
    _, ids = await _stored_records(gql, token, "mine")
    other = await app_token(settings, await make_brand("other"))
    for global_id in ids:
        assert (await gql.data(NODE, {"id": global_id}, other))["node"] is None, global_id


async def test_node_needs_the_scope_of_the_type(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("scoped")
    token = await app_token(settings, brand)
    customer_id, _ = await _stored_records(gql, token, "scoped")
    query = "query($id: ID!) { customer(id: $id) { membership { id } } }"
    membership = (await gql.data(query, {"id": customer_id}, token))["customer"]["membership"]
    narrow = await app_token(settings, brand, "customers:read")
    body = await gql.post(NODE, {"id": membership["id"]}, narrow)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "memberships:read" in body["errors"][0]["message"]


async def test_internal_ticket_notes_need_tickets_write(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("notes")
    token = await app_token(settings, brand)
    await gql.data(CONFIGURE, {"input": {"categories": ["service"], "rootCauses": []}}, token)
    customer = await create_customer(gql, token, name="Ticket Holder")
    opened = {
        "customerId": customer["id"],
        "channel": "APP",
        "category": "service",
        "subject": "Cold coffee",
        "description": "It was cold",
    }
    ticket = (await gql.data(OPEN, {"input": opened}, token))["openTicket"]["ticket"]
    reply = await gql.data(REPLY, {"id": ticket["id"], "body": "Sorry"}, token)
    note = await gql.data(NOTE, {"id": ticket["id"], "body": "refund"}, token)
    reply_id = reply["replyToTicket"]["message"]["id"]
    note_id = note["addTicketNote"]["message"]["id"]
    reader = await app_token(settings, brand, "tickets:read")
    assert (await gql.data(NODE, {"id": reply_id}, reader))["node"]["id"] == reply_id
    assert (await gql.data(NODE, {"id": note_id}, reader))["node"] is None
    assert (await gql.data(NODE, {"id": note_id}, token))["node"]["id"] == note_id


async def test_me_carries_its_customers_id(gql: GraphQL, settings: Settings) -> None:
    brand = await make_brand("me")
    token = await app_token(settings, brand)
    customer = await create_customer(gql, token, name="Self")
    issue = """mutation($id: ID!) { issueCustomerToken(input: {customerId: $id}) { token } }"""
    customer_token = (await gql.data(issue, {"id": customer["id"]}, token))["issueCustomerToken"][
        "token"
    ]
    me = (await gql.data("{ me { __typename id } }", token=customer_token))["me"]
    assert me == {"__typename": "Me", "id": customer["id"]}
