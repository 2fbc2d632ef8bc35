"""Segment and offer configuration changes are events too (segment.changed, offer.changed)."""

from __future__ import annotations

from config import Settings
from events.outbox import events_after
from tests.offer_helpers import UPDATE, create_offer
from tests.support import GraphQL, app_token, make_brand
from tests.test_segments_api import CREATE, DELETE
from tests.test_segments_api import UPDATE as UPDATE_SEGMENT

RULE = {"city": {"in": ["Shanghai"]}}


async def test_segment_and_offer_changes_emit_their_events(
    gql: GraphQL, settings: Settings
) -> None:
    brand = await make_brand()
    token = await app_token(settings, brand)
    created = await gql.data(CREATE, {"input": {"name": "SH", "rule": RULE}}, token)
    segment = created["createSegment"]["segment"]["id"]
    await gql.data(UPDATE_SEGMENT, {"input": {"id": segment, "name": "Shanghai"}}, token)
    offer = await create_offer(gql, token, title="Ten off", stock=10)
    body = await gql.data(UPDATE, {"input": {"id": offer["id"], "stock": 20}}, token)
    assert body["updateOffer"]["errors"] == []
    await gql.data(DELETE, {"input": {"id": segment}}, token)
    seen = [
        (e.type, e.payload["operation"], e.payload["fields"])
        for e in await events_after(brand.id, 0)
        if e.type in ("segment.changed", "offer.changed")
    ]
    assert seen[0] == ("segment.changed", "createSegment", ["description", "name", "rule"])
    assert seen[1] == ("segment.changed", "updateSegment", ["name"])
    assert seen[2][:2] == ("offer.changed", "createOffer")
    assert seen[3] == ("offer.changed", "updateOffer", ["stock"])
    assert seen[4] == ("segment.changed", "deleteSegment", [])
    assert len(seen) == 5
